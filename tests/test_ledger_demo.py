"""`load_demo --with-work`: the demo accounts find work waiting; the seed stays signed off."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from findings.models import SIGNED_OFF_STATUSES, Finding, Status, User
from ledger.demo import CODE


def _row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_the_work_demo_loads_once_and_leaves_the_seed_signed_off(client):
    call_command("load_demo", "--with-work", verbosity=0)
    before = _row_counts()
    call_command("load_demo", "--with-work", verbosity=0)
    assert _row_counts() == before

    seed = Finding.objects.filter(area__inspection__code="xinhua-cyl-2023")
    assert seed.count() == 17
    assert not seed.exclude(status__in=SIGNED_OFF_STATUSES).exists()
    work = Finding.objects.filter(area__inspection__code=CODE)
    assert sorted(work.values_list("status", flat=True)) == sorted(
        [Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED, Status.IN_PROGRESS,
         Status.IN_PROGRESS]
    )  # fmt: skip

    client.force_login(User.objects.get(username="leader1"))
    page = client.get(reverse("ledger:my_work"))
    assert [f.number for f in page.context["work"].awaiting_sign_off] == [3]
    client.force_login(User.objects.get(username="staff2"))
    work_page = client.get(reverse("ledger:my_work")).context["work"]
    assert [n.entry.kind for n in work_page.notifications] == ["return"]
    assert any(f.warning == "overdue" for f in work_page.to_update)
