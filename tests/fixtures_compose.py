"""The URL × role matrix's entries for composing the notice (tests/test_url_matrix.py)."""

from django.urls import reverse


def _block_url(name, w, *positions):
    return reverse(name, args=[w.code, *positions])


def _overview_block(w):
    return {"version": w.version.notice.version, "kind": "overview", "text": "概述段落。"}


def _section_block(w):
    return {
        "version": w.version.notice.version,
        "heading": "新的章节标题",
        "style": "numbered",
        "paragraphs-TOTAL_FORMS": 0,
        "paragraphs-INITIAL_FORMS": 0,
    }


def _area_wording(w):
    area = w.finding.area
    data = {"version": area.version, "title": "改写的方面标题"}
    for finding in area.findings.all():
        prefix = f"f{finding.pk}"
        data[f"{prefix}-version"] = finding.version
        data[f"{prefix}-statement"] = finding.statement
        data[f"{prefix}-public_statement"] = ""
    return data


def compose_matrix(principal_get, principal_post):
    """url name → [(method, url builder, POST data builder or None, expected by person)]."""
    PRINCIPAL_GET, PRINCIPAL_POST = principal_get, principal_post  # noqa: N806
    return {
        "reports:notice_block_add": [
            (
                "get",
                lambda w: _block_url("reports:notice_block_add", w) + "?kind=overview",
                None,
                PRINCIPAL_GET,
            ),
            (
                "post",
                lambda w: _block_url("reports:notice_block_add", w),
                _overview_block,
                PRINCIPAL_POST,
            ),
        ],
        "reports:notice_block_edit": [
            ("get", lambda w: _block_url("reports:notice_block_edit", w, 1), None, PRINCIPAL_GET),
            (
                "post",
                lambda w: _block_url("reports:notice_block_edit", w, 1),
                _section_block,
                PRINCIPAL_POST,
            ),
        ],
        "reports:notice_block_move": [
            (
                "post",
                lambda w: _block_url("reports:notice_block_move", w, 2),
                lambda w: {"version": w.version.notice.version, "direction": "up"},
                PRINCIPAL_POST,
            ),
        ],
        "reports:notice_block_remove": [
            (
                "post",
                lambda w: _block_url("reports:notice_block_remove", w, 1),
                lambda w: {"version": w.version.notice.version, "confirmed": "1"},
                PRINCIPAL_POST,
            ),
        ],
        "reports:notice_wording": [
            ("get", lambda w: _block_url("reports:notice_wording", w), None, PRINCIPAL_GET)
        ],
        "reports:notice_wording_area": [
            (
                "get",
                lambda w: reverse("reports:notice_wording_area", args=[w.code, w.finding.area_id]),
                None,
                PRINCIPAL_GET,
            ),
            (
                "post",
                lambda w: reverse("reports:notice_wording_area", args=[w.code, w.finding.area_id]),
                _area_wording,
                PRINCIPAL_POST,
            ),
        ],
    }
