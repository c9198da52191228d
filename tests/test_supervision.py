"""督办: the office issues a supervision order, the principal acknowledges and replies,
the office closes it or presses again. Every step is an append-only record."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ledger.evidence import check_upload
from ledger.models import AppendOnly
from oversight import services
from oversight.models import OrderState, ReplyEvidence, StepKind, SupervisionOrder, SupervisionStep

from .fixtures_ledger import PDF, pdf, upload


def _soon(days=7):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def order(unit, district):
    finding = unit.add_findings(1)[0]
    return services.issue_order(
        inspection=unit.inspection,
        finding=finding,
        by=district.director,
        text="请说明整改滞后原因",
        reply_deadline=_soon(),
    )


def _step(order, by, action, **kwargs):
    services.take_step(order=order, by=by, action=action, **kwargs)
    order.refresh_from_db()
    return order


def test_issuing_an_order_writes_the_order_and_its_first_step(order, district):
    assert order.state == OrderState.ISSUED
    assert order.office == district.office
    step = order.steps.get()
    assert (step.kind, step.author, step.text) == (StepKind.ISSUE, district.director, order.text)
    assert order.history.get().history_change_reason == "下发督办"


def test_an_order_may_address_the_whole_unit(unit, district):
    order = services.issue_order(
        inspection=unit.inspection,
        by=district.director,
        text="请报告整改总体进展",
        reply_deadline=_soon(),
    )
    assert order.finding is None


def test_the_principal_acknowledges_replies_with_evidence_and_the_office_closes(
    order, unit, district
):
    _step(order, unit.principal, "acknowledge")
    assert order.state == OrderState.ACKNOWLEDGED
    _step(order, unit.principal, "reply", text="已完成整改", files=[check_upload(pdf("说明.pdf"))])
    assert order.state == OrderState.REPLIED
    reply = order.steps.get(kind=StepKind.REPLY)
    assert reply.text == "已完成整改"
    assert [e.original_name for e in reply.evidence.all()] == ["说明.pdf"]
    _step(order, district.director, "close")
    assert order.state == OrderState.CLOSED
    assert [s.kind for s in order.steps.all()] == ["issue", "acknowledge", "reply", "close"]
    assert [(s.state_before, s.state_after) for s in order.steps.all()][1:] == [
        ("issued", "acknowledged"),
        ("acknowledged", "replied"),
        ("replied", "closed"),
    ]
    assert [h.history_change_reason for h in order.history.order_by("history_date")] == [
        "下发督办",
        "签收督办",
        "回复督办",
        "督办办结",
    ]


def test_pressing_again_sets_a_new_deadline_and_asks_for_a_new_acknowledgement(
    order, unit, district
):
    _step(order, unit.principal, "acknowledge")
    _step(order, unit.principal, "reply", text="正在整改")
    _step(order, district.director, "press", text="回复不具体，请再报", reply_deadline=_soon(3))
    assert (order.state, order.reply_deadline) == (OrderState.ISSUED, _soon(3))
    press = order.steps.get(kind=StepKind.PRESS)
    assert (press.reply_deadline, press.text) == (_soon(3), "回复不具体，请再报")
    _step(order, unit.principal, "acknowledge")
    assert order.state == OrderState.ACKNOWLEDGED


# The whole table: every action from every state, by the right and the wrong person.
EXPECTED = {
    (OrderState.ISSUED, "acknowledge"): OrderState.ACKNOWLEDGED,
    (OrderState.ISSUED, "press"): OrderState.ISSUED,
    (OrderState.ACKNOWLEDGED, "reply"): OrderState.REPLIED,
    (OrderState.ACKNOWLEDGED, "press"): OrderState.ISSUED,
    (OrderState.REPLIED, "close"): OrderState.CLOSED,
    (OrderState.REPLIED, "press"): OrderState.ISSUED,
}
ACTOR = {"acknowledge": "principal", "reply": "principal", "close": "office", "press": "office"}


def test_the_transition_table_is_exactly_the_expected_one():
    table = {(t.source, t.action): t.target for t in services.TRANSITIONS}
    assert table == EXPECTED
    assert {t.action: t.actor for t in services.TRANSITIONS} == ACTOR


@pytest.mark.parametrize("state", OrderState.values)
@pytest.mark.parametrize("action", ["acknowledge", "reply", "close", "press"])
def test_each_action_from_each_state_is_taken_only_where_the_table_allows(
    order, unit, district, state, action
):
    SupervisionOrder.objects.filter(pk=order.pk).update(state=state)
    order.refresh_from_db()
    actor = unit.principal if ACTOR[action] == "principal" else district.director
    kwargs = {"text": "说明", "reply_deadline": _soon()}
    steps = order.steps.count()
    if (state, action) in EXPECTED:
        _step(order, actor, action, **kwargs)
        assert order.state == EXPECTED[(state, action)]
        assert order.steps.count() == steps + 1
    else:
        with pytest.raises(services.SupervisionError):
            _step(order, actor, action, **kwargs)
        order.refresh_from_db()
        assert (order.state, order.steps.count()) == (state, steps)


@pytest.mark.parametrize("person", ["leader", "staff", "inspector", "clerk", "other_director"])
@pytest.mark.parametrize("action", ["acknowledge", "close"])
def test_nobody_but_the_principal_acknowledges_and_nobody_but_office_staff_closes(
    order, unit, district, other_district, person, action
):
    if action == "close":
        _step(order, unit.principal, "acknowledge")
        _step(order, unit.principal, "reply", text="已整改")
    who = {
        "clerk": district.clerk,
        "other_director": other_district.director,
    }.get(person) or getattr(unit, person)
    state = order.state
    with pytest.raises(services.NotPermitted):
        _step(order, who, action)
    order.refresh_from_db()
    assert order.state == state


def test_the_principal_cannot_close_and_the_office_cannot_acknowledge(order, unit, district):
    with pytest.raises(services.NotPermitted):
        _step(order, district.director, "acknowledge")
    _step(order, unit.principal, "acknowledge")
    _step(order, unit.principal, "reply", text="已整改")
    with pytest.raises(services.NotPermitted):
        _step(order, unit.principal, "close")


def test_a_reply_needs_text_and_a_press_needs_text_and_a_deadline(order, unit, district):
    _step(order, unit.principal, "acknowledge")
    with pytest.raises(services.SupervisionError, match="text|说明"):
        _step(order, unit.principal, "reply", text="  ")
    with pytest.raises(services.SupervisionError, match="date|回复期限"):
        _step(order, district.director, "press", text="再报")
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(services.SupervisionError, match="past|早于"):
        _step(order, district.director, "press", text="再报", reply_deadline=yesterday)
    assert order.steps.count() == 2


def test_a_reply_that_fails_after_its_file_was_written_keeps_neither(
    order, unit, settings, monkeypatch
):
    _step(order, unit.principal, "acknowledge")

    def fail(self, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ReplyEvidence, "save", fail)
    with pytest.raises(RuntimeError):
        _step(order, unit.principal, "reply", text="已整改", files=[check_upload(pdf())])
    order.refresh_from_db()
    assert (order.state, order.steps.count()) == (OrderState.ACKNOWLEDGED, 2)
    assert list((settings.MEDIA_ROOT / "evidence").iterdir()) == []


def test_only_office_staff_of_the_rounds_office_issue_orders(unit, district, other_district):
    for person in (district.clerk, other_district.director, unit.principal):
        with pytest.raises(services.NotPermitted):
            services.issue_order(
                inspection=unit.inspection, by=person, text="督办", reply_deadline=_soon()
            )
    assert SupervisionOrder.objects.count() == 0


def test_an_inspection_outside_any_round_gets_no_order(other_unit, district):
    with pytest.raises(services.NotPermitted):
        services.issue_order(
            inspection=other_unit.inspection,
            by=district.director,
            text="督办",
            reply_deadline=_soon(),
        )


def test_an_order_on_a_finding_of_another_inspection_is_refused(unit, other_unit, district):
    stranger = other_unit.add_findings(1)[0]
    with pytest.raises(services.SupervisionError, match="belong|不属于"):
        services.issue_order(
            inspection=unit.inspection,
            finding=stranger,
            by=district.director,
            text="督办",
            reply_deadline=_soon(),
        )


def test_an_order_needs_text_and_a_future_deadline(unit, district):
    with pytest.raises(services.SupervisionError):
        services.issue_order(
            inspection=unit.inspection, by=district.director, text=" ", reply_deadline=_soon()
        )
    with pytest.raises(services.SupervisionError):
        services.issue_order(
            inspection=unit.inspection,
            by=district.director,
            text="督办",
            reply_deadline=timezone.localdate() - timedelta(days=1),
        )
    assert SupervisionOrder.objects.count() == 0


def test_steps_and_their_evidence_are_never_changed_or_deleted(order, unit):
    _step(order, unit.principal, "acknowledge")
    _step(order, unit.principal, "reply", text="已整改", files=[check_upload(upload("a.pdf", PDF))])
    step = order.steps.get(kind=StepKind.REPLY)
    step.text = "改写"
    with pytest.raises(AppendOnly):
        step.save()
    with pytest.raises(AppendOnly):
        step.delete()
    evidence = step.evidence.get()
    with pytest.raises(AppendOnly):
        evidence.save()
    with pytest.raises(AppendOnly):
        evidence.delete()
    assert SupervisionStep.objects.get(pk=step.pk).text == "已整改"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")
@pytest.mark.parametrize(
    "table",
    [
        "oversight_supervisionstep",
        "oversight_replyevidence",
        "oversight_historicalsupervisionorder",
    ],
)
def test_postgresql_refuses_to_rewrite_steps_evidence_and_order_history(order, unit, table):
    _step(order, unit.principal, "acknowledge")
    _step(order, unit.principal, "reply", text="已整改", files=[check_upload(pdf())])
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_each_side_hears_of_the_others_step_by_email(
    unit, district, mailoutbox, django_capture_on_commit_callbacks
):
    unit.principal.email = "principal@example.org"
    unit.principal.save()
    district.director.email = "office@example.org"
    district.director.save()
    district.clerk.email = "clerk@example.org"
    district.clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.issue_order(
            inspection=unit.inspection,
            by=district.director,
            text="请报告进展",
            reply_deadline=_soon(),
        )
    assert [m.to for m in mailoutbox] == [["principal@example.org"]]
    assert "请报告进展" in mailoutbox[0].body and str(order.public_id) in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        _step(order, unit.principal, "acknowledge")
        _step(order, unit.principal, "reply", text="已整改到位")
    # the office's 督办 staff hear of it; its read-only member does not
    assert [m.to for m in mailoutbox[1:]] == [["office@example.org"], ["office@example.org"]]
    assert "已整改到位" in mailoutbox[2].body
    with django_capture_on_commit_callbacks(execute=True):
        _step(order, district.director, "close")
    assert len(mailoutbox) == 3
