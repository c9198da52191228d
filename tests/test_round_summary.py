"""The round summary: the notice of a whole round, published and frozen like a unit's."""

import pytest
from django.urls import reverse

from ledger.models import AppendOnly
from oversight import dashboard, services, summary
from oversight.models import RoundSummary
from reports import render

from .conftest import make_unit
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
