"""Editing, publishing and serving the notice: who may, what is frozen, what is public."""

import base64
import hashlib
import re
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from findings.models import Status
from reports import services
from reports.chinese import chinese_date
from reports.models import Notice, NoticeVersion

from .fixtures_notice import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(unit):
    """A unit whose findings all have their result text."""
    unit.add_signed_off(2, result="已整改到位。")
    unit.add_signed_off(1, area=unit.areas[1], result="已建立制度。")
    return unit


def edit_data(version, **fields):
    """The edit form's POST: the draft's title and preamble."""
    return {
        "version": version,
        "title": "关于巡察整改进展情况的通报",
        "preamble_template": "patrol",
        "preamble": "",
        "unsigned_rule": "in_progress",
        **fields,
    }


def publish(unit):
    return services.notice_publish(inspection=unit.inspection, by=unit.principal)


def url(name, unit, **kwargs):
    return reverse(f"reports:{name}", kwargs={"code": unit.inspection.code, **kwargs})


def test_publishing_lists_the_findings_not_signed_off_and_publishes_only_once_confirmed(
    unit, client
):
    unit.add_signed_off(1, result="已整改。")
    unit.add_findings(1, result="写了但未销号。", status=Status.IN_PROGRESS)
    unit.add_findings(1)
    client.force_login(unit.principal)
    asked = client.post(url("notice_publish", unit))
    text = asked.content.decode()
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in text
    assert "（1）2. 问题2" in text and "（1）3. 问题3" in text and "（1）1. 问题1" not in text
    assert not NoticeVersion.objects.exists()
    confirmed = client.post(url("notice_publish", unit), {"confirmed": "1"})
    assert confirmed.status_code == 302
    version = NoticeVersion.objects.get()
    assert "写了但未销号。" not in version.paragraphs
    assert version.paragraphs.count(f"正在整改中，整改时限为{chinese_date(unit_deadline())}。") == 2


def unit_deadline():
    return timezone.localdate() + timedelta(days=30)


def test_only_the_principal_may_publish(ready):
    with pytest.raises(services.NoticeError):
        services.notice_publish(inspection=ready.inspection, by=ready.leader)
    assert not NoticeVersion.objects.exists()


def test_publishing_freezes_html_and_pdf_with_their_sha256(ready):
    version = publish(ready)
    assert (version.number, version.published_by) == (1, ready.principal)
    html, pdf = version.html.read(), version.pdf.read()
    assert hashlib.sha256(html).hexdigest() == version.html_sha256
    assert hashlib.sha256(pdf).hexdigest() == version.pdf_sha256
    assert pdf.startswith(b"%PDF") and "已建立制度。" in pdf_text(pdf)
    assert "已建立制度。" in html.decode() and "草稿" not in html.decode()
    assert str(version.public_id) in version.pdf.name
    assert version.paragraphs[0] == "测试单位"


def test_a_published_version_never_changes_when_the_notice_changes_again(ready, client):
    first = publish(ready)
    pdf, sha = first.pdf.read(), first.pdf_sha256
    notice = Notice.objects.get()
    services.notice_update(
        inspection=ready.inspection,
        by=ready.principal,
        data={**_fields(notice), "title": "关于巡察整改情况的通报"},
        expected_version=notice.version,
    )
    finding = ready.areas[0].findings.first()
    finding.result = finding.signed_result = "已整改，并建立长效机制。"  # signed off again
    finding.save()
    second = publish(ready)
    first.refresh_from_db()
    assert second.number == 2 and second.pdf_sha256 != sha
    assert first.pdf_sha256 == sha
    with first.pdf.open("rb") as f:
        assert f.read() == pdf
    served = client.get(reverse("reports:public_notice_pdf", args=[first.public_id]))
    assert b"".join(served.streaming_content) == pdf
    assert "已整改，并建立长效机制。" not in first.paragraphs
    assert "已整改，并建立长效机制。" in second.paragraphs


def _fields(notice):
    return {field: getattr(notice, field) for field in services.EDITABLE_FIELDS}


def test_publishing_twice_without_a_change_is_refused(ready):
    publish(ready)
    with pytest.raises(services.NoticeError, match="1"):
        publish(ready)


def test_a_published_version_is_public_as_html_and_pdf_without_login(ready, client):
    version = publish(ready)
    html = client.get(reverse("reports:public_notice", args=[version.public_id]))
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    body = html.content.decode()
    assert "已建立制度。" in body and 'href="pdf/"' in body
    pdf = client.get(reverse("reports:public_notice_pdf", args=[version.public_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == version.pdf_sha256


def test_a_frozen_file_lost_from_storage_is_not_found_rather_than_an_error(ready, client):
    version = publish(ready)
    for name, view in [
        ("html", "public_notice"),
        ("pdf", "public_notice_pdf"),
        ("docx", "public_notice_docx"),
    ]:
        field = getattr(version, name)
        field.storage.delete(field.name)
        response = client.get(reverse(f"reports:{view}", args=[version.public_id]))
        assert response.status_code == 404, name


def test_a_published_page_carries_its_styles_and_its_policy_allows_only_them(ready, client):
    version = publish(ready)
    stored = version.html.read()
    assert b'rel="stylesheet"' not in stored
    styles = re.findall(rb"<style>(.*?)</style>", stored, re.DOTALL)
    assert len(styles) == 1 and b"FandolFang" in styles[0] and b"@media print" in styles[0]
    response = client.get(reverse("reports:public_notice", args=[version.public_id]))
    # The frozen page as stored, with the status panel put first in its body.
    assert response.content.startswith(stored[: stored.index(b"<body")])
    assert stored[stored.index(b"<nav") :] in response.content
    assert b'class="notice-status"' in response.content
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    digest = base64.b64encode(hashlib.sha256(styles[0]).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"


def test_a_page_published_before_styles_were_embedded_keeps_the_sites_policy(ready, client):
    version = publish(ready)
    # As such a version was stored (the row itself is append-only; its file is replaced).
    with version.html.storage.open(version.html.name, "wb") as f:
        f.write(b'<link rel="stylesheet" href="/s.css"><p>x</p>')
    response = client.get(reverse("reports:public_notice", args=[version.public_id]))
    assert "style-src 'self'" in response["Content-Security-Policy"]


def test_the_screen_and_the_draft_preview_still_link_their_stylesheets(ready, client):
    client.force_login(ready.principal)
    body = client.get(url("notice_preview", ready)).content
    assert b"<style>" not in body and body.count(b'rel="stylesheet"') == 2


def test_a_draft_has_no_public_url_and_needs_a_login(ready, client):
    # Before anything is published, no address reaches the draft without a login.
    for path in (
        reverse("reports:public_notice", args=[uuid.uuid4()]),
        reverse("reports:public_notice_pdf", args=[uuid.uuid4()]),
    ):
        assert client.get(path).status_code == 404
    for name in ("notice_detail", "notice_preview", "notice_draft_pdf", "notice_edit"):
        response = client.get(url(name, ready))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_published_pdf_is_served_from_its_file_not_rendered_again(ready, client):
    version = publish(ready)
    stored = version.pdf.read()
    with (
        mock.patch("reports.render.notice_pdf", side_effect=AssertionError("rendered")) as a,
        mock.patch("reports.render.pdf_from_html", side_effect=AssertionError("rendered")) as b,
        mock.patch("weasyprint.HTML.write_pdf", side_effect=AssertionError("rendered")) as c,
    ):
        response = client.get(reverse("reports:public_notice_pdf", args=[version.public_id]))
        assert b"".join(response.streaming_content) == stored
    assert not (a.called or b.called or c.called)


def test_a_stale_edit_form_does_not_overwrite_a_newer_save(ready, client):
    client.force_login(ready.principal)
    client.post(url("notice_edit", ready), edit_data(0, title="第一次保存"))
    response = client.post(url("notice_edit", ready), edit_data(0, title="过时的表单"))
    assert response.status_code == 200
    assert "reload" in response.content.decode() or "重新" in response.content.decode()
    assert Notice.objects.get().title == "第一次保存"


def test_save_and_preview_shows_the_draft_with_its_mark(ready, client):
    client.force_login(ready.principal)
    response = client.post(
        url("notice_edit", ready),
        {**edit_data(0, preamble="这是改写的导语。"), "preview": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == url("notice_preview", ready)
    assert "这是改写的导语。" in html
    assert 'class="draft-mark"' in html
    assert f'href="{url("notice_detail", ready)}">返回通报' in html


def test_the_draft_pdf_is_marked_as_a_draft(ready, client):
    client.force_login(ready.staff)
    response = client.get(url("notice_draft_pdf", ready))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "草" in text and "稿" in text and "已建立制度。" in text


@pytest.mark.parametrize(
    "name, method, expected",
    [
        ("notice_detail", "get", {"principal": 200, "leader": 200, "staff": 200, "inspector": 200}),
        (
            "notice_preview",
            "get",
            {"principal": 200, "leader": 200, "staff": 200, "inspector": 200},
        ),
        ("notice_edit", "get", {"principal": 200, "leader": 403, "staff": 403, "inspector": 403}),
        (
            "notice_publish",
            "post",
            {"principal": 302, "leader": 403, "staff": 403, "inspector": 403},
        ),
    ],
)
def test_permissions_by_role_and_outsiders_get_404(ready, outsider, client, name, method, expected):
    target = url(name, ready)
    data = {"confirmed": "1"} if method == "post" else None
    for role, status in expected.items():
        client.force_login(getattr(ready, role))
        assert getattr(client, method)(target, data).status_code == status, (name, role)
    client.force_login(outsider)
    assert getattr(client, method)(target, data).status_code == 404


def test_versions_are_listed_with_downloads_and_their_differences_shown(ready, client):
    first = publish(ready)
    finding = ready.areas[1].findings.get()
    finding.result = finding.signed_result = "已建立并执行制度。"  # signed off again
    finding.save()
    second = publish(ready)
    client.force_login(ready.inspector)
    page = client.get(url("notice_detail", ready)).content.decode()
    for version in (first, second):
        assert reverse("reports:public_notice", args=[version.public_id]) in page
        assert reverse("reports:public_notice_pdf", args=[version.public_id]) in page
    diff = client.get(url("notice_diff", ready), {"old": 1, "new": 2})
    lines = diff.context["lines"]
    assert ("-", "已建立制度。") in lines and ("+", "已建立并执行制度。") in lines
    assert [op for op, _ in lines].count(" ") == len(first.paragraphs) - 1
    assert client.get(url("notice_diff", ready), {"old": 9}).status_code == 404


def _detail_queries(unit, client, django_assert_max_num_queries):
    client.force_login(unit.principal)
    with django_assert_max_num_queries(15) as captured:
        client.get(url("notice_detail", unit))
    return len(captured)


def test_the_notice_page_reads_a_fixed_number_of_queries(
    ready, client, django_assert_max_num_queries
):
    publish(ready)
    few = _detail_queries(ready, client, django_assert_max_num_queries)
    ready.add_signed_off(10, area=ready.areas[1], result="已整改。")
    publish(ready)
    assert _detail_queries(ready, client, django_assert_max_num_queries) == few


def test_the_admin_shows_notices_and_never_changes_a_published_version(ready, client):
    from findings.models import User

    version = publish(ready)
    client.force_login(User.objects.create_superuser("root", password="x", display_name="管理员"))
    for name, args in [
        ("admin:reports_notice_changelist", []),
        ("admin:reports_notice_change", [version.notice.pk]),
        ("admin:reports_notice_history", [version.notice.pk]),
        ("admin:reports_noticeversion_changelist", []),
        ("admin:reports_noticeversion_change", [version.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    change = reverse("admin:reports_noticeversion_change", args=[version.pk])
    assert client.post(change, {"number": 9}).status_code == 403
    delete = reverse("admin:reports_noticeversion_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.number == 1
