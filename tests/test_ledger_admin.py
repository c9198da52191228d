"""The ledger in the Django admin: shown, never changed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from findings.models import Status, User
from ledger import services
from ledger.models import Evidence, LedgerEntry, Notification, ReminderSent

from .fixtures_ledger import put_in_state


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="x", display_name="系统管理员")


@pytest.mark.parametrize("model", [LedgerEntry, Evidence, Notification, ReminderSent])
def test_the_admin_lists_the_ledger_read_only(client, superuser, unit, model):
    finding = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    services.transition(finding=finding, by=unit.leader, action="return", reason="补充")
    ReminderSent.objects.create(recipient=unit.staff, sent_on=timezone.localdate(), body="提醒")
    client.force_login(superuser)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    obj = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert client.get(change).status_code == 200  # the view page
    assert client.post(change, {}).status_code == 403
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
