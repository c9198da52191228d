"""One renderer, two outputs: the notice as HTML (screen, browser print) and as PDF.

The PDF goes through WeasyPrint with the GB/T 9704-2012 layout of
static/reports/notice-pdf.css. Fonts come from fontconfig by family name (local
Debian packages); the only URLs WeasyPrint may open are the app's own static files.
"""

import base64
import hashlib
import mimetypes
import posixpath
import re
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from . import justify

# Justified Chinese lines reach the right edge by spacing their characters.
justify.install()

# The PDF's HTML links its stylesheets relative to this made-up origin; the fetcher
# maps it to the static files and refuses every other address.
STATIC_ORIGIN = "https://static.rectify.invalid/"
PDF_STYLESHEETS = ("reports/notice.css", "reports/notice-pdf.css")
SCREEN_STYLESHEETS = ("reports/notice.css", "reports/notice-screen.css")

_font_config = None


def font_config():
    """One FontConfiguration per process: building one per render leaks memory and time."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


class StaticFilesOnly(URLFetcher):
    """Serves the app's static files; refuses the network, the file system, data: URLs."""

    def fetch(self, url, headers=None):
        path = static_path_of(url)
        if path is None:
            raise URLFetchingError(f"Rectify renders offline; refused {url}")
        with open(path, "rb") as f:
            body = f.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def static_path_of(url):
    """The file behind a static URL under STATIC_ORIGIN, or None for anything else."""
    if not url.startswith(STATIC_ORIGIN):
        return None
    relative = posixpath.normpath(unquote(urlsplit(url).path).lstrip("/"))
    if relative.startswith(("..", "/")) or relative == ".":
        return None
    return finders.find(relative)


def embedded_styles():
    """The screen stylesheets' text, for a page that must keep its look (a published one)."""
    texts = []
    for name in SCREEN_STYLESHEETS:
        with open(finders.find(name), encoding="utf-8") as f:
            texts.append(f.read())
    styles = "\n".join(texts)
    if "</" in styles:
        raise ValueError("a stylesheet to embed holds '</', which would end its <style>")
    return mark_safe(styles)  # the app's own static files, checked above


def style_hashes(html):
    """CSP sources ('sha256-…') for the <style> elements of a page, as browsers hash them."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"
        for text in re.findall(rb"<style>(.*?)</style>", html, re.DOTALL)
    ]


def notice_html(document, *, draft, for_pdf=False, links=(), embed_styles=False):
    """The notice as a standalone HTML page (for_pdf: the page WeasyPrint lays out).

    `links` are (href, label) pairs shown above the notice on screen, never in the PDF.
    embed_styles: the screen styles inside the page instead of linked, so a published
    page keeps its look when the stylesheets change later.
    """
    styles = embedded_styles() if embed_styles and not for_pdf else None
    if for_pdf:
        stylesheets = PDF_STYLESHEETS
    else:
        stylesheets = () if styles else [static(s) for s in SCREEN_STYLESHEETS]
    with translation.override("zh-hans"):
        return render_to_string(
            "reports/notice_document.html",
            {
                "document": document,
                "draft": draft,
                "for_pdf": for_pdf,
                "stylesheets": stylesheets,
                "styles": styles,
                "links": () if for_pdf else links,
                # The draft on screen marks what does not print as signed off.
                "flags": draft and not for_pdf,
            },
        )


def pdf_from_html(html):
    fetcher = StaticFilesOnly()
    return HTML(string=html, base_url=STATIC_ORIGIN, url_fetcher=fetcher).write_pdf(
        font_config=font_config()
    )


def notice_pdf(document, *, draft):
    return pdf_from_html(notice_html(document, draft=draft, for_pdf=True))


def sha256(data):
    return hashlib.sha256(data).hexdigest()
