"""The administrators' pages are fully Chinese (issue 15.9): every admin page each of the
three administrators may open, walked, with no English interface word left."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from .fixtures_ledger import add_evidence

# English words of the admin's interface and of the apps it shows; data (usernames, codes,
# e-mail addresses) is not interface and may be in Latin letters.
ENGLISH = [
    "Django",
    "Site administration",
    "administration",
    "AXES",
    "Axes",
    "Access attempt",
    "access attempt",
    "Access failure",
    "access failure",
    "Access log",
    "Attempt Time",
    "Rectify",
    "Otp_",
    "OTP",
    "TOTP device",
    "Static device",
    "static device",
    "Tasks Database",
    "Model name",
    "Add link",
    "Change or view list link",
    "Search by user",
    "IP Address",
    "User Agent",
    "GET Data",
    "Failed Logins",
    "Is this device",
    "The user that",
    "created at",
    "last used at",
    "confirmed",
    "Home",
    "Log out",
    "View site",
    "Welcome",
    "Filter",
    "Search",
    "History",
    "Change",
    "Delete",
    "Save",
    "None",
]
PATTERN = re.compile("|".join(rf"\b{re.escape(word)}" for word in ENGLISH))


def visible_text(html):
    """The text a person reads: the body without script, style and svg, plus the
    titles, placeholders and labels of its elements."""
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    attributes = re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', html)
    return re.sub(r"<[^>]+>", " ", html) + " " + " ".join(attributes)


def admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:app_list", args=[info[0]]))
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            urls.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    urls += [reverse("admin:audit_trail"), reverse("admin:security_policy")]
    return list(dict.fromkeys(urls))


@pytest.mark.parametrize("person", ["sysadmin", "secadmin", "auditor"])
def test_no_english_interface_word_is_left_on_any_admin_page(client, unit, administrators, person):
    add_evidence(unit.add_findings(1)[0], unit.staff)
    client.force_login(administrators[person])
    seen, leftovers = 0, {}
    for url in admin_urls():
        response = client.get(url)
        if response.status_code != 200:
            continue  # not this administrator's page (test_url_matrix_admin)
        seen += 1
        found = PATTERN.findall(visible_text(response.content.decode()))
        if found:
            leftovers[url] = sorted(set(found))
    assert seen >= 5
    assert leftovers == {}, leftovers


def test_the_admin_is_titled_in_chinese(client, administrators):
    client.force_login(administrators["sysadmin"])
    html = client.get(reverse("admin:index")).content.decode()
    assert "<title>系统管理首页 | 系统管理</title>" in html
    assert "整改台账 · 系统管理" in html
