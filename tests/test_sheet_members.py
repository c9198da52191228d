"""Names of an imported ledger without an account: kept as text, or added to the unit on
confirming, with a first-login link (a signed, expiring, single-use page)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone

from accounts.models import FirstLoginLink
from findings.models import Finding, Measure, Membership, Role, User
from ledger.models import Notification
from sheets.models import ImportJob, ImportState

from .fixtures_sheet import HEADER, ledger_row, write_xlsx
from .test_sheet_views import confirm_url, job_url, upload

NEW_PASSWORD = "Zhenggai-taizhang-2024!"


def ledger_with_strangers(path):
    """Finding 1: led by 第一副书记 (no account), 办公室干事 with 办公室主任 (no account)
    co-responsible, a second measure by 档案员 (no account). Finding 2: 档案员 again."""
    rows = [
        HEADER,
        ledger_row(
            1,
            "聚焦第1方面",
            "问题1",
            measure="措施甲",
            person="办公室干事、办公室主任",
            leader="第一副书记",
        ),  # fmt: skip
        [None, None, None, None, "措施乙", None, "档案员", None, None, None, None, None],
        ledger_row(2, "聚焦第1方面", "问题2", measure="措施丙", person="档案员"),
    ]
    return write_xlsx(path, rows, merges=["A2:A3", "B2:B3", "C2:C3", "F2:F3"])


@pytest.fixture
def previewed(client, unit, tmp_path):
    client.force_login(unit.principal)
    upload(client, unit.inspection, ledger_with_strangers(tmp_path / "台账.xlsx"))
    job = ImportJob.objects.get()
    assert job.state == ImportState.READY and not job.report["errors"]
    return job


def names(job):
    return [person["name"] for person in job.report["unknown_people"]]


def choices(job, **by_name):
    """The confirm form's fields: {name: (action, email)}."""
    data = {}
    for index, name in enumerate(names(job)):
        action, email = by_name.get(name, ("keep", ""))
        data[f"member-{index}-action"] = action
        data[f"member-{index}-email"] = email
    return data


def test_the_preview_lists_the_names_and_offers_the_principal_to_add_them(client, unit, previewed):
    assert names(previewed) == ["第一副书记", "办公室主任", "档案员"]
    assert [p["leader"] for p in previewed.report["unknown_people"]] == [True, False, False]
    page = client.get(job_url(previewed)).content.decode()
    assert 'name="member-2-action"' in page and 'name="member-2-email"' in page

    client.force_login(unit.staff)
    page = client.get(job_url(previewed)).content.decode()
    assert "member-0-action" not in page and "档案员" in page


def test_confirming_with_people_asks_first_and_adds_nothing_until_confirmed(
    client, unit, previewed
):
    users = User.objects.count()
    data = choices(previewed, 档案员=("staff", "dangan@example.org"))

    response = client.post(confirm_url(previewed), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "档案员" in page and "dangan@example.org" in page and 'name="confirmed"' in page
    assert User.objects.count() == users
    previewed.refresh_from_db()
    assert previewed.state == ImportState.READY


def test_the_people_added_are_members_without_a_password_and_linked_where_named(
    client, unit, previewed, mailoutbox, django_capture_on_commit_callbacks
):
    data = choices(
        previewed,
        第一副书记=("leader", ""),
        档案员=("staff", "dangan@example.org"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(previewed), data | {"confirmed": "1"})

    assert response.status_code == 302
    previewed.refresh_from_db()
    assert previewed.state == ImportState.DONE
    leader = User.objects.get(display_name="第一副书记")
    archivist = User.objects.get(display_name="档案员")
    assert not leader.has_usable_password() and not archivist.has_usable_password()
    memberships = Membership.objects.filter(organisation=unit.organisation)
    roles = dict(memberships.values_list("user", "role"))
    assert (roles[leader.pk], roles[archivist.pk]) == (Role.LEADER, Role.STAFF)
    assert archivist.history.latest().history_change_reason == "导入台账时添加：台账.xlsx"
    assert archivist.history.latest().history_user == unit.principal

    first, second = Finding.objects.filter(area__inspection=unit.inspection).order_by("number")
    assert (first.responsible_leader, first.responsible_leader_text) == (leader, "")
    assert first.responsible_person == unit.staff
    assert first.responsible_person_text == "办公室主任"  # kept as text
    assert [m.owner for m in Measure.objects.filter(finding=first).order_by("position")] == [
        unit.staff,
        archivist,
    ]
    assert (second.responsible_person, second.responsible_person_text) == (archivist, "")

    [mail] = mailoutbox  # only the archivist has an address
    assert mail.to == ["dangan@example.org"] and archivist.username in mail.body
    url = re.search(r"http\S+/accounts/first-login/\S+/", mail.body).group(0)
    page = client.get(job_url(previewed)).content.decode()
    assert url in page  # the principal sees (and copies) the link
    assert previewed.report["added_members"][0]["name"] == "第一副书记"


def test_a_person_added_as_co_responsible_is_told(client, unit, previewed):
    client.post(
        confirm_url(previewed),
        choices(previewed, 办公室主任=("staff", "")) | {"confirmed": "1"},
    )
    director = User.objects.get(display_name="办公室主任")
    finding = Finding.objects.get(area__inspection=unit.inspection, number=1)
    assert list(finding.co_responsible.all()) == [director]
    assert finding.responsible_person_text == ""
    assert Notification.objects.filter(recipient=director).count() == 1


def first_login_link(job, name):
    user = User.objects.get(display_name=name)
    link = FirstLoginLink.objects.filter(user=user).latest("created_at")
    from accounts.members import first_login_path

    return user, link, first_login_path(link)


def test_the_first_login_page_sets_the_password_once_in_chinese(client, unit, previewed):
    client.post(
        confirm_url(previewed), choices(previewed, 档案员=("staff", "")) | {"confirmed": "1"}
    )
    user, link, path = first_login_link(previewed, "档案员")
    client.logout()

    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "设置密码" in text and user.username in text

    weak = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "密码" in weak.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()

    done = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("login")
    assert authenticate(username=user.username, password=NEW_PASSWORD) == user
    link.refresh_from_db()
    assert link.used_at is not None

    again = client.get(path)
    assert again.status_code == 410 and "已使用" in again.content.decode()
    replay = client.post(path, {"new_password1": "Another-pass-2024!", "new_password2": "x"})
    assert replay.status_code == 410
    assert authenticate(username=user.username, password=NEW_PASSWORD) == user


def test_an_expired_link_is_refused_and_the_principal_can_make_a_new_one(client, unit, previewed):
    client.post(
        confirm_url(previewed), choices(previewed, 档案员=("staff", "")) | {"confirmed": "1"}
    )
    user, link, old_path = first_login_link(previewed, "档案员")
    FirstLoginLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    page = client.get(job_url(previewed)).content.decode()
    assert "已过期" in page or "expired" in page

    new_link_url = reverse("sheets:member_link", args=[unit.inspection.code, previewed.pk, user.pk])
    client.force_login(unit.staff)
    assert client.post(new_link_url).status_code == 403
    client.force_login(unit.principal)
    assert client.post(new_link_url).status_code == 302
    _user, _link, new_path = first_login_link(previewed, "档案员")
    client.logout()

    expired = client.get(old_path)
    assert expired.status_code == 410 and "已使用" in expired.content.decode()  # replaced
    assert client.get(new_path).status_code == 200
    FirstLoginLink.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(1))
    refused = client.get(new_path)
    assert refused.status_code == 410 and "已过期" in refused.content.decode()


def test_a_forged_link_is_not_found(client, unit, previewed):
    client.post(
        confirm_url(previewed), choices(previewed, 档案员=("staff", "")) | {"confirmed": "1"}
    )
    _user, link, path = first_login_link(previewed, "档案员")
    forged = reverse("accounts:first_login", args=[f"{link.pk}:forgedsignature"])
    assert client.get(forged).status_code == 404
    assert client.get(path[:-3] + "x/").status_code == 404


def test_staff_may_import_but_not_add_people(client, unit, previewed):
    client.force_login(unit.staff)
    users = User.objects.count()

    response = client.post(
        confirm_url(previewed), choices(previewed, 档案员=("staff", "")) | {"confirmed": "1"}
    )

    assert response.status_code == 403
    assert User.objects.count() == users
    previewed.refresh_from_db()
    assert previewed.state == ImportState.READY
    assert client.post(confirm_url(previewed)).status_code == 302  # names kept as text
    previewed.refresh_from_db()
    assert previewed.state == ImportState.DONE
    second = Finding.objects.get(number=2, area__inspection=unit.inspection)
    assert second.responsible_person_text == "档案员"


def test_a_bad_email_changes_nothing_and_says_which(client, unit, previewed):
    users = User.objects.count()
    response = client.post(
        confirm_url(previewed),
        choices(previewed, 档案员=("staff", "not-an-address")) | {"confirmed": "1"},
        follow=True,
    )
    assert "“档案员”的电子邮箱“not-an-address”格式不正确" in response.content.decode()
    assert User.objects.count() == users
    previewed.refresh_from_db()
    assert previewed.state == ImportState.READY


def test_the_import_page_lists_the_people_added_in_queries_that_do_not_grow(client, unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.members import member_create

    people = [
        member_create(
            organisation=unit.organisation, display_name=f"档案员{n}", role="staff", by=None,
            reason="导入",
        )[0]
        for n in range(3)
    ]  # fmt: skip
    client.force_login(unit.principal)
    counts = []
    for added in (people[:1], people):
        job = ImportJob.objects.create(
            inspection=unit.inspection, filename="x.xlsx", stored_name="x.xlsx", state="done",
            report={"added_members": [
                {"name": p.display_name, "role": "staff", "user_id": p.pk} for p in added
            ]},
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            page = client.get(job_url(job)).content.decode()
        assert all(p.username in page for p in added)
        counts.append(len(queries))
    assert counts[0] == counts[1]
