"""The demo's inspection office: one round of three differently progressed units."""

from django.apps import apps
from django.urls import reverse

from findings.models import Inspection, OfficeRole, Round, User
from oversight import dashboard
from oversight.demo import load_office_demo
from oversight.models import OrderState, SupervisionOrder


def _rows():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_the_demo_round_holds_the_seed_unit_and_two_units_at_different_stages(seeded):
    load_office_demo()
    round_ = Round.objects.get()
    assert str(round_) == "2023年第2轮巡察"
    board = dashboard.round_dashboard(round_)
    rates = {row.inspection.code: row.figures.rate for row in board.units}
    assert rates["xinhua-cyl-2023"] > rates["xinhua-demo-street-2023"]
    assert rates["xinhua-demo-street-2023"] > rates["xinhua-demo-bureau-2023"] > 0
    by_code = {row.inspection.code: row.figures for row in board.units}
    assert by_code["xinhua-demo-bureau-2023"].returned == 1
    assert by_code["xinhua-demo-bureau-2023"].overdue == 2
    assert by_code["xinhua-demo-bureau-2023"].orders_open == 1
    assert SupervisionOrder.objects.get().state == OrderState.ACKNOWLEDGED
    assert all(row.category for row in board.categories if row.figures.all)


def test_the_office_accounts_are_named_by_role(seeded):
    load_office_demo()
    director = User.objects.get(username="xcb-director")
    clerk = User.objects.get(username="xcb-clerk")
    assert (director.display_name, director.office_memberships.get().role) == (
        "巡察办主任",
        OfficeRole.SUPERVISOR,
    )
    assert (clerk.display_name, clerk.office_memberships.get().role) == (
        "巡察办干事",
        OfficeRole.OVERSIGHT,
    )


def test_loading_the_office_demo_again_writes_nothing(seeded):
    load_office_demo()
    before = _rows()
    assert load_office_demo() == {"created": 0, "present": 1}
    assert _rows() == before


def test_the_demo_dashboard_opens_for_the_offices_clerk(client, seeded):
    load_office_demo()
    round_ = Round.objects.get()
    client.force_login(User.objects.get(username="xcb-clerk"))
    response = client.get(reverse("oversight:round_dashboard", args=[round_.office_id, round_.pk]))
    assert response.status_code == 200
    shown = Inspection.objects.get(organisation__name="新华区演示局")
    assert shown.title in response.content.decode()
