"""The principal composes the notice in the app: blocks added, edited, moved and removed on
Chinese pages without script, and the wording of areas and findings (通报文字), with history."""

import pytest
from django.urls import reverse

from reports.models import Notice

from .fixtures_notice import html_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(unit):
    unit.add_findings(2, result="已整改到位。")
    unit.add_findings(1, area=unit.areas[1], result="已建立制度。")
    return unit


def url(name, unit, *args):
    return reverse(f"reports:{name}", args=[unit.inspection.code, *args])


def _version():
    notice = Notice.objects.first()
    return notice.version if notice else 0


def _kinds():
    return [b.kind for b in Notice.objects.get().blocks.order_by("position")]


def _section(version, heading, paragraphs):
    data = {
        "version": version,
        "heading": heading,
        "style": "numbered",
        "paragraphs-TOTAL_FORMS": len(paragraphs),
        "paragraphs-INITIAL_FORMS": 0,
    }
    for i, (lead, text, order, *delete) in enumerate(paragraphs):
        data |= {f"paragraphs-{i}-lead": lead, f"paragraphs-{i}-text": text}
        data[f"paragraphs-{i}-ORDER"] = order
        if delete:
            data[f"paragraphs-{i}-DELETE"] = "on"
    return data


def test_the_edit_page_lists_the_blocks_with_buttons_and_no_script(ready, client):
    client.force_login(ready.principal)
    page = client.get(url("notice_edit", ready)).content.decode()
    assert "<script" not in page
    assert page.count('name="direction" value="up"') == 3  # every block but the first
    assert page.count('name="direction" value="down"') == 3  # every block but the last
    assert "编号章节" in page and "整改台账部分" in page and "添加部分" in page


def test_the_principal_adds_an_overview_and_it_prints(ready, client):
    client.force_login(ready.principal)
    form = client.get(url("notice_block_add", ready) + "?kind=overview")
    assert form.status_code == 200 and "概述段落" in form.content.decode()
    response = client.post(
        url("notice_block_add", ready),
        {"version": 0, "kind": "overview", "text": "第一段概述。\n第二段概述。"},
    )
    assert response.status_code == 302
    assert _kinds() == ["section", "ledger", "section", "closing", "overview"]
    preview = client.get(url("notice_preview", ready)).content.decode()
    assert preview.index("第二段概述。") > preview.index("三、下一步工作举措")


def test_an_unknown_kind_of_block_is_not_found(ready, client):
    client.force_login(ready.principal)
    assert client.get(url("notice_block_add", ready) + "?kind=poem").status_code == 404
    assert client.post(url("notice_block_add", ready), {"kind": "poem"}).status_code == 404
    assert not Notice.objects.exists()


def test_the_principal_edits_adds_removes_and_reorders_a_sections_paragraphs(ready, client):
    client.force_login(ready.principal)
    response = client.post(
        url("notice_block_edit", ready, 1),
        _section(
            0,
            "把整改落实作为一项重要政治任务来抓",
            [
                ("统一思想认识", "召开会议。", 2),
                ("明确目标责任", "建立清单。", 1),
                ("删除此项", "无。", 3, True),
            ],
        ),
    )
    assert response.status_code == 302
    block = Notice.objects.get().blocks.get(position=1)
    assert block.paragraphs == [
        {"lead": "明确目标责任", "text": "建立清单。"},
        {"lead": "统一思想认识", "text": "召开会议。"},
    ]
    page = client.get(url("notice_detail", ready)).content.decode()
    assert "（一）明确目标责任。" in page and "（二）统一思想认识。" in page
    assert "删除此项" not in page
    assert block.history.first().history_change_reason == "编辑通报部分"


def test_a_lead_without_its_text_is_refused_and_named(ready, client):
    client.force_login(ready.principal)
    response = client.post(
        url("notice_block_edit", ready, 1), _section(0, "标题", [("统一思想认识", "", 1)])
    )
    assert response.status_code == 200
    assert not Notice.objects.exists()
    assert "有引领语的段落需要正文" in response.content.decode()


def test_the_up_button_moves_a_block_and_a_stale_page_changes_nothing(ready, client):
    client.force_login(ready.principal)
    response = client.post(url("notice_block_move", ready, 3), {"version": 0, "direction": "up"})
    assert response.status_code == 302
    assert _kinds() == ["section", "section", "ledger", "closing"]
    version = _version()
    client.post(url("notice_block_move", ready, 2), {"version": 0, "direction": "up"})
    assert _kinds() == ["section", "section", "ledger", "closing"] and _version() == version
    page = client.get(url("notice_edit", ready)).content.decode()
    assert "重新" in page or "刷新" in page
    paragraphs = client.get(url("notice_preview", ready)).content.decode()
    assert paragraphs.index("二、下一步工作举措") < paragraphs.index("三、整改落实的成效")


def test_removing_a_block_asks_first_and_keeps_its_history(ready, client):
    client.force_login(ready.principal)
    first = client.post(url("notice_block_remove", ready, 1), {"version": 0})
    assert first.status_code == 200 and 'name="confirmed"' in first.content.decode()
    assert not Notice.objects.exists()
    second = client.post(url("notice_block_remove", ready, 1), {"version": 0, "confirmed": "1"})
    assert second.status_code == 302
    assert _kinds() == ["ledger", "section", "closing"]
    preview = client.get(url("notice_preview", ready)).content.decode()
    assert "一、整改落实的成效" in preview and "把整改落实作为" not in preview
    notice = Notice.objects.get()
    reasons = {r.history_change_reason for r in notice.blocks.model.history.all()}
    assert "删除通报部分" in reasons
    history = client.get(url("notice_detail", ready)).content.decode()
    assert "已删除" in history


def _wording(unit, area, *, title, public="", version=None):
    data = {"version": area.version if version is None else version, "title": title}
    for finding in area.findings.order_by("number"):
        data[f"f{finding.pk}-version"] = finding.version
        data[f"f{finding.pk}-statement"] = finding.statement
        data[f"f{finding.pk}-public_statement"] = public if finding.number == 1 else ""
    return data


def test_the_principal_words_an_area_and_a_finding_for_the_public(ready, client):
    client.force_login(ready.principal)
    area = ready.areas[0]
    page = client.get(url("notice_wording", ready)).content.decode()
    assert "通报文字" in page and url("notice_wording_area", ready, area.pk) in page
    response = client.post(
        url("notice_wording_area", ready, area.pk),
        _wording(ready, area, title="聚焦落实全面从严治党主体责任方面", public="公开的表述"),
    )
    assert response.status_code == 302
    area.refresh_from_db()
    finding = area.findings.get(number=1)
    assert (area.title, area.version, finding.public_statement) == (
        "聚焦落实全面从严治党主体责任方面",
        2,
        "公开的表述",
    )
    assert finding.statement == "问题1"  # the ledger keeps the statement as fed back
    assert area.history.first().history_change_reason == "编辑通报文字"
    assert area.history.first().history_user == ready.principal
    preview = "".join(html_text(client.get(url("notice_preview", ready)).content.decode()).split())
    assert "（一）聚焦落实全面从严治党主体责任方面。" in preview and "1.公开的表述" in preview


def test_a_wording_form_opened_before_a_change_of_a_finding_is_refused(ready, client):
    client.force_login(ready.principal)
    area = ready.areas[0]
    data = _wording(ready, area, title="新标题")
    finding = area.findings.get(number=2)
    finding.result, finding.version = "又改了", finding.version + 1
    finding.save()
    response = client.post(url("notice_wording_area", ready, area.pk), data)
    assert response.status_code == 200
    assert "第2个问题" in response.content.decode()
    area.refresh_from_db()
    assert area.title == "聚焦第1方面" and area.version == 1


def test_others_cannot_compose_or_word_the_notice(ready, client):
    area = ready.areas[0]
    for person in (ready.leader, ready.staff, ready.inspector):
        client.force_login(person)
        assert client.get(url("notice_wording", ready)).status_code == 403
        assert (
            client.post(
                url("notice_wording_area", ready, area.pk), _wording(ready, area, title="不该改")
            ).status_code
            == 403
        )
        assert (
            client.post(
                url("notice_block_move", ready, 2), {"version": 0, "direction": "up"}
            ).status_code
            == 403
        )
    area.refresh_from_db()
    assert area.title == "聚焦第1方面" and not Notice.objects.exists()


def _queries(client, target, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


def test_the_compose_pages_read_a_fixed_number_of_queries(
    ready, client, django_assert_max_num_queries
):
    client.force_login(ready.principal)
    client.post(url("notice_block_add", ready), {"version": 0, "kind": "overview", "text": "一"})
    pages = [url("notice_edit", ready), url("notice_wording", ready)]
    pages.append(url("notice_wording_area", ready, ready.areas[0].pk))
    few = [_queries(client, page, django_assert_max_num_queries) for page in pages]
    ready.add_findings(8, result="已整改。")
    for n in range(3):
        client.post(
            url("notice_block_add", ready), {"version": _version(), "kind": "overview", "text": n}
        )
    assert [_queries(client, page, django_assert_max_num_queries) for page in pages] == few
