"""The migration to blocks keeps every notice reading as it did, and keeps its history."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from findings.models import Finding
from reports.document import build_document
from reports.models import Notice

BEFORE = [
    ("reports", "0006_two_versions_withdrawal"),
    ("findings", "0012_extensions_and_sent_back"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_notice_with_every_part_reads_the_same_after_the_migration():
    old = _migrate(BEFORE)
    organisation = old.get_model("findings", "Organisation").objects.create(
        name="测试单位", phone="0311-12345678"
    )
    inspection = old.get_model("findings", "Inspection").objects.create(
        organisation=organisation,
        code="migrated-2024",
        authority="区委",
        group="区委第一巡察组",
        kind="routine",
        onsite_start=date(2024, 3, 1),
        onsite_end=date(2024, 4, 30),
        feedback_date=date(2024, 6, 1),
    )
    area = old.get_model("findings", "Area").objects.create(
        inspection=inspection, position=1, title="聚焦第1方面"
    )
    old.get_model("findings", "Finding").objects.create(
        area=area,
        number=1,
        statement="问题1",
        status="signed_off",
        result="已整改。",
        kind="immediate",
    )
    old.get_model("reports", "Notice").objects.create(
        inspection=inspection,
        measures_title="把整改落实作为一项重要政治任务来抓",
        measures=[{"lead": "统一思想认识", "text": "召开会议。"}],
        next_steps_lead="下一步，我们将继续努力。",
        next_steps=[{"lead": "提高站位", "text": "学习。"}],
        show_counts=True,
        counts_as_of=date(2099, 7, 1),
        signature="中共测试单位委员会",
        dated=date(2099, 7, 2),
    )
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # Findings print and count as the history has them: give the finding its record.
    finding = Finding.objects.get()
    finding.signed_result = finding.result
    finding._change_reason = "测试"
    finding.save()
    notice = Notice.objects.select_related("inspection__organisation").get()
    assert build_document(notice).paragraphs()[3:] == [
        "一、把整改落实作为一项重要政治任务来抓",
        "（一）统一思想认识。召开会议。",
        "二、整改落实的成效",
        "截至2099年7月1日，1个方面1个问题，已完成整改1个，整改完成率100%。",
        "（一）聚焦第1方面。",
        "1.问题1",
        "已整改。",
        "三、下一步工作举措",
        "下一步，我们将继续努力。",
        "一是提高站位。学习。",
        "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"
        "联系电话：0311-12345678。",
        "中共测试单位委员会",
        "2099年7月2日",
    ]
    blocks = list(notice.blocks.order_by("position"))
    assert [b.kind for b in blocks] == [
        "section",
        "section",
        "counts",
        "ledger",
        "section",
        "closing",
        "signoff",
    ]
    assert all(b.history.get().history_change_reason == "通报改为分块结构" for b in blocks)
