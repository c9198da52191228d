"""Django admin: every model has a changelist, a change page and its history."""

import pytest
from django.contrib import admin
from django.urls import reverse

from findings.models import Area, Finding, Inspection, Measure, Membership, Organisation, User


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="x", display_name="系统管理员")


@pytest.mark.parametrize(
    "model", [User, Organisation, Membership, Inspection, Area, Finding, Measure]
)
def test_admin_lists_searches_and_shows_history(client, superuser, seeded, model):
    client.force_login(superuser)
    opts = model._meta
    assert model in admin.site._registry
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "巡察"}).status_code == 200
    obj = model.objects.first()
    if obj is None:
        obj = Measure.objects.create(finding=Finding.objects.first(), position=1, text="措施")
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert client.get(change).status_code == 200
    history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    assert client.get(history).status_code == 200
