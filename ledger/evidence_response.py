"""Sending an evidence file: shown in the browser where that is safe, downloaded otherwise.

PDF and images (types detected from the content at upload, not from the name) are sent
`inline` under a sandboxing Content-Security-Policy: the file is its own opaque origin,
runs no script, submits no form and reaches nothing of the application. Every other type
(Office, OFD, zip), and any file when `download` is asked, is an attachment. Both carry
nosniff, so the browser never reads a file as a type other than the one sent.
Access is the caller's: the views check it before calling `evidence_response`.
"""

from django.http import FileResponse, Http404

# `sandbox` with no allowances: no script, no forms, a unique origin. Chromium's PDF
# viewer renders under it as it is (tests/test_browser_evidence.py); the image document
# Chromium builds around a photo loads the photo itself, which img-src allows.
INLINE_POLICY = "sandbox; default-src 'none'; img-src 'self'"


def evidence_response(evidence, *, download=False):
    """The file of `evidence` (ledger.models.EvidenceFile) as a response; 404 if the
    stored file is missing."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    inline = evidence.viewable and not download
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        response["Content-Security-Policy"] = INLINE_POLICY
    return response
