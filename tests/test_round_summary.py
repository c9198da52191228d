"""The round summary: the notice of a whole round, published and frozen like a unit's."""

import hashlib
import io
from unittest import mock
from urllib.parse import unquote

import pytest
from django.urls import reverse
from docx import Document

from ledger.models import AppendOnly
from oversight import dashboard, services, summary
from oversight.models import RoundSummary
from reports import render, word

from .conftest import make_unit
from .fixtures_notice import docx_paragraphs
from .test_office_dashboard import _signed_off


@pytest.fixture
def round_of_two(unit, district):
    done, _open = unit.add_findings(2)
    _signed_off(unit, done)
    second = make_unit(prefix="s", name="第二单位", code="second-2024")
    second.inspection.round = district.round
    second.inspection.save()
    second.add_findings(2)
    return unit, second, district


def _text(district):
    board = dashboard.round_dashboard(district.round)
    return summary.build_summary(district.round, board).paragraphs()


def test_the_summary_counts_the_round_and_each_unit(round_of_two):
    unit, second, district = round_of_two
    lines = _text(district)
    assert lines[0] == "某区委巡察工作领导小组办公室"
    assert lines[1] == "关于2024年第1轮巡察整改进展情况的通报"
    assert "本轮巡察2个单位共反馈问题4个，已完成整改1个，正在整改3个，整改完成率25%。" in lines[4]
    assert "（一）测试单位：反馈问题2个，已完成整改1个，正在整改1个，整改完成率50%。" in lines
    assert "（二）第二单位：反馈问题2个，已完成整改0个，正在整改2个，整改完成率0%。" in lines
    assert lines[-2] == "某区委巡察工作领导小组办公室"


def test_publishing_freezes_the_html_and_pdf_and_a_change_makes_a_new_version(client, round_of_two):
    unit, second, district = round_of_two
    first = summary.summary_publish(round_=district.round, by=district.director)
    html = first.html.open("rb").read()
    assert first.pdf.open("rb").read().startswith(b"%PDF")
    assert "整改完成率25%" in html.decode()
    response = client.get(reverse("oversight:public_summary", args=[first.public_id]))
    assert response.content == html
    for source in render.style_hashes(html):
        assert source in response["Content-Security-Policy"]
    pdf = client.get(reverse("oversight:public_summary_pdf", args=[first.public_id]))
    assert pdf["Content-Type"] == "application/pdf"

    with pytest.raises(services.SupervisionError):
        summary.summary_publish(round_=district.round, by=district.director)
    _signed_off(second, second.inspection.areas.first().findings.first())
    later = summary.summary_publish(round_=district.round, by=district.director)
    assert later.number == 2
    assert "整改完成率50%" in later.html.open("rb").read().decode()
    assert RoundSummary.objects.get(pk=first.pk).html.open("rb").read() == html


def test_only_the_offices_督办_staff_publish(round_of_two, other_district):
    unit, second, district = round_of_two
    for person in (district.clerk, other_district.director, unit.principal):
        with pytest.raises(services.NotPermitted):
            summary.summary_publish(round_=district.round, by=person)
    assert RoundSummary.objects.count() == 0


def test_a_published_summary_is_never_changed_or_deleted(round_of_two):
    unit, second, district = round_of_two
    version = summary.summary_publish(round_=district.round, by=district.director)
    version.paragraphs = ["改写"]
    with pytest.raises(AppendOnly):
        version.save()
    with pytest.raises(AppendOnly):
        version.delete()


def test_the_summary_page_shows_the_draft_and_the_publish_button_to_督办_staff(
    client, round_of_two
):
    unit, second, district = round_of_two
    url = reverse("oversight:round_summary", args=[district.office.pk, district.round.pk])
    client.force_login(district.director)
    page = client.get(url).content.decode()
    assert "publish-summary" in page and "整改完成率25%" in page
    client.force_login(district.clerk)
    assert "publish-summary" not in client.get(url).content.decode()


def _served(response):
    return b"".join(response.streaming_content)


def _docx_lines(data):
    """The .docx's paragraphs as the summary's lines: the title's two lines joined."""
    return [line.replace("\n", "") for line in docx_paragraphs(data) if line]


def test_publishing_freezes_the_docx_with_its_sha256_and_the_summarys_text(client, round_of_two):
    unit, second, district = round_of_two
    version = summary.summary_publish(round_=district.round, by=district.director)
    stored = version.docx.open("rb").read()
    assert hashlib.sha256(stored).hexdigest() == version.docx_sha256
    for name in ("html", "pdf"):
        data = getattr(version, name).open("rb").read()
        assert hashlib.sha256(data).hexdigest() == getattr(version, f"{name}_sha256")
    organisation, title, *body = version.paragraphs
    assert _docx_lines(stored) == [organisation + title, *body]
    assert "本轮巡察2个单位共反馈问题4个，已完成整改1个，正在整改3个，整改完成率25%。" in body[2]
    assert Document(io.BytesIO(stored)).sections[0].header.paragraphs[0].text == ""
    # The public page links the frozen Word file, served as stored, never rendered again.
    html = version.html.open("rb").read().decode()
    assert 'href="docx/"' in html and "下载Word版" in html
    url = reverse("oversight:public_summary_docx", args=[version.public_id])
    with mock.patch("reports.word.notice_docx", side_effect=AssertionError("rendered")):
        response = client.get(url)
    assert _served(response) == stored
    assert response["Content-Type"] == word.CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment")


def test_a_published_docx_keeps_its_bytes_when_the_round_changes(client, round_of_two):
    unit, second, district = round_of_two
    first = summary.summary_publish(round_=district.round, by=district.director)
    stored, sha = first.docx.open("rb").read(), first.docx_sha256
    _signed_off(second, second.inspection.areas.first().findings.first())
    later = summary.summary_publish(round_=district.round, by=district.director)
    assert later.docx_sha256 != sha
    round_now = "共反馈问题4个，已完成整改2个"
    assert round_now in "".join(docx_paragraphs(later.docx.open("rb").read()))
    served = _served(client.get(reverse("oversight:public_summary_docx", args=[first.public_id])))
    assert served == stored and hashlib.sha256(served).hexdigest() == sha
    assert round_now not in "".join(docx_paragraphs(served))


def test_the_draft_docx_reads_as_the_summary_now_and_is_marked_as_a_draft(client, round_of_two):
    unit, second, district = round_of_two
    client.force_login(district.clerk)
    url = reverse("oversight:round_summary_docx", args=[district.office.pk, district.round.pk])
    response = client.get(url)
    assert response["Content-Type"] == word.CONTENT_TYPE
    assert "2024年第1轮巡察-整改进展通报-草稿.docx" in unquote(response["Content-Disposition"])
    data = _served(response)
    assert _docx_lines(data)[1:] == _text(district)[2:]
    assert Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text == "草稿"


def test_the_summary_page_offers_the_draft_and_each_versions_docx(client, round_of_two):
    unit, second, district = round_of_two
    version = summary.summary_publish(round_=district.round, by=district.director)
    client.force_login(district.clerk)
    page = client.get(
        reverse("oversight:round_summary", args=[district.office.pk, district.round.pk])
    ).content.decode()
    assert (
        reverse("oversight:round_summary_docx", args=[district.office.pk, district.round.pk])
        in page
    )
    assert reverse("oversight:public_summary_docx", args=[version.public_id]) in page
    assert "草稿Word版" in page


def test_a_frozen_file_lost_from_storage_is_not_found(client, round_of_two):
    unit, second, district = round_of_two
    version = summary.summary_publish(round_=district.round, by=district.director)
    for name, view in [
        ("html", "public_summary"),
        ("pdf", "public_summary_pdf"),
        ("docx", "public_summary_docx"),
    ]:
        getattr(version, name).storage.delete(getattr(version, name).name)
        assert client.get(reverse(f"oversight:{view}", args=[version.public_id])).status_code == 404
