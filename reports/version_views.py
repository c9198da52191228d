"""Published versions: the public pages with their status, the stable address of the
current notice, withdrawal (撤回), the internal version, and what the public version
leaves out (双公开).

A public page is the frozen HTML as published, with a status panel put in front of it
when served: version, publication date, the SHA-256 of the PDF and of the .docx (so a
reader can check a downloaded file), and whether a newer version exists. A withdrawn
version's page says so, why and when, and serves neither its text nor its files.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from findings.models import WithholdReason
from rectify.confirm import confirmation_page, is_confirmed
from rectify.posted import NUL_REFUSED, as_text

from . import freezing, selectors, services, word
from . import render as renderer
from .document import ledger_areas

DOCX = word.CONTENT_TYPE
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX}
_BODY = re.compile(rb"<body[^>]*>")


def _read(field):
    with freezing.open_frozen(field) as f:
        return f.read()


def newer_version(version):
    """The notice's current version when it is newer than `version`, else None."""
    current = selectors.current_version(version.notice)
    return current if current is not None and current.number > version.number else None


def _status_panel(version, *, newer):
    with translation.override("zh-hans"):
        return render_to_string(
            "reports/_public_status.html",
            {"version": version, "newer": newer, "current_id": version.notice.public_id},
        ).encode()


def with_status(html, panel):
    """The frozen page with the status panel first in its body (the file is unchanged)."""
    match = _BODY.search(html)
    if match is None:
        return panel + html
    return html[: match.end()] + b"\n" + panel + html[match.end() :]


def _withdrawn_page(request, version):
    with translation.override("zh-hans"):
        return render(
            request,
            "reports/public_withdrawn.html",
            {
                "version": version,
                "newer": newer_version(version),
                "current_id": version.notice.public_id,
            },
            status=410,
        )


def public_page(request, version):
    """A published version's public page: frozen HTML, status panel in front."""
    if selectors.is_withdrawn(version):
        return _withdrawn_page(request, version)
    html = _read(version.html)
    response = HttpResponse(
        with_status(html, _status_panel(version, newer=newer_version(version))),
        content_type="text/html; charset=utf-8",
    )
    # The page carries its own styles in <style>: the policy allows exactly those (by
    # their SHA-256). Versions published before styles were embedded keep the site's.
    hashes = renderer.style_hashes(html)
    if hashes:
        response._csp_replace = {"style-src": hashes}
    return response


def public_file(version, kind, *, internal=False):
    """The stored bytes of a version's PDF or .docx, never rendered again."""
    if selectors.is_withdrawn(version) and not internal:
        return HttpResponse(_("This version of the notice has been withdrawn."), status=410)
    field = getattr(version, f"internal_{kind}" if internal else kind)
    suffix = "-internal" if internal else ""
    filename = f"{version.notice.inspection.code}-v{version.number}{suffix}.{kind}"
    return FileResponse(
        freezing.open_frozen(field),
        content_type=CONTENT_TYPES[kind],
        as_attachment=kind == "docx",
        filename=filename,
    )


def current_notice(request, public_id):
    """The stable address of an inspection's notice: its latest version not withdrawn."""
    version = selectors.current_version_at(public_id)
    return redirect("reports:public_notice", public_id=version.public_id)


@login_required
def internal_notice(request, code, number, kind="html"):
    """The internal version (党内通报) of a published version: members only, frozen files."""
    notice, _access = selectors.notice_for(request, code)
    version = selectors.get_version(notice, number)
    if not version.internal_html:
        raise Http404  # published before notices came in two versions
    if kind == "html":
        html = _read(version.internal_html)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        if hashes := renderer.style_hashes(html):
            response._csp_replace = {"style-src": hashes}
        return response
    if kind not in CONTENT_TYPES:
        raise Http404
    return public_file(version, kind, internal=True)


@login_required
@require_POST
def notice_withdraw(request, code, number):
    notice, _access = selectors.notice_for(request, code, need="publish_notice")
    version = selectors.get_version(notice, number)
    back = reverse("reports:notice_detail", args=[code])
    reason = as_text(request.POST.get("reason"))
    if reason is None:
        messages.error(request, NUL_REFUSED)
        return redirect(back)
    if not reason:
        messages.error(request, _("Please give the reason for withdrawing the version."))
        return redirect(back)
    if not is_confirmed(request):
        left = (
            notice.versions.filter(withdrawal__isnull=True)
            .exclude(pk=version.pk)
            .order_by("-number")
            .first()
        )
        if left is not None:
            after = _("The notice's stable address will show version %(number)s.") % {
                "number": left.number
            }
        else:
            after = _("The notice's stable address will show no notice until one is published.")
        return confirmation_page(
            request,
            title=_("Withdraw version %(number)s") % {"number": version.number},
            question=_(
                "Its public page will say that it was withdrawn, why and when, and will no "
                "longer serve its text, PDF or Word file. This cannot be undone."
            ),
            details=[(_("Reason"), reason), (_("Afterwards"), after)],
            button=_("Withdraw this version"),
            back_url=back,
            danger=True,
        )
    try:
        services.version_withdraw(version=version, by=request.user, reason=reason)
    except services.NoticeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Version %(number)s is withdrawn.") % {"number": version.number}
        )
    return redirect(back)


@login_required
def notice_withholding(request, code):
    """Which findings the public version leaves out, and why (the principal decides)."""
    notice, access = selectors.notice_for(request, code, need="edit_notice")
    inspection = notice.inspection
    areas = ledger_areas(inspection)
    findings = [f for area in areas for f in area.findings.all()]
    if request.method == "POST":
        reasons = {}
        for finding in findings:
            value = request.POST.get(f"reason-{finding.pk}")
            if value is not None:
                reasons[finding.pk] = value
        try:
            changed = services.findings_withhold(
                inspection=inspection, by=request.user, reasons=reasons
            )
        except services.NoticeError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Saved: %(count)s findings changed.") % {"count": len(changed)},
            )
            return redirect("reports:notice_withholding", code=code)
    return render(
        request,
        "reports/notice_withholding.html",
        {
            "inspection": inspection,
            "access": access,
            "areas": areas,
            "reasons": WithholdReason.choices,
        },
    )
