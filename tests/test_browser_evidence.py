"""Evidence opens in Chromium under its sandboxing CSP: the PDF viewer shows the PDF and an
image is drawn (issue 15.8)."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from weasyprint import HTML

from ledger.models import Evidence

from .conftest import login
from .test_evidence_inline import _evidence_of, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _url(unit, evidence):
    return reverse("ledger:evidence_download", args=[unit.inspection.code, evidence.public_id])


def test_a_pdf_and_a_photo_open_in_the_browser_under_the_sandbox(page, unit, media):
    pdf = _evidence_of(unit, "会议记录.pdf", HTML(string="<h1>会议记录</h1>").write_pdf())
    photo = _evidence_of(unit, "现场照片.png", png_bytes())
    login(page, unit.inspector.username)

    # The finding page links the PDF for viewing and offers a download beside it.
    finding = pdf.entry.finding
    page.goto(reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk]))
    assert page.locator(".evidence-file .evidence-download").count() == 1

    response = page.goto(_url(unit, pdf))
    assert response.all_headers()["content-security-policy"].startswith("sandbox;")
    assert page.evaluate("document.contentType") == "application/pdf"
    page.wait_for_timeout(1500)  # the viewer lays the page out
    shot = Image.open(io.BytesIO(page.screenshot()))
    # Chromium's PDF viewer: a dark frame around a white page; a download would leave
    # the tab blank and a blocked frame would show no page.
    width, height = shot.size
    assert shot.getpixel((width // 2, height // 2))[:3] == (255, 255, 255)
    assert max(shot.getpixel((5, height - 5))[:3]) < 100

    response = page.goto(_url(unit, photo))
    assert response.all_headers()["content-security-policy"].startswith("sandbox;")
    assert page.evaluate("[document.images[0].naturalWidth, document.images[0].complete]") == [
        40,
        True,
    ]
    assert Evidence.objects.count() == 2
