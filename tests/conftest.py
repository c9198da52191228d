"""Shared test fixtures: a unit with one person per role, an outsider, the seed, a browser.

People are named by role, as in the demo data.
"""

import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from findings import demo
from findings.models import (
    AdminRole,
    Area,
    Finding,
    FindingKind,
    Inspection,
    InspectionKind,
    Membership,
    Organisation,
    Role,
    Status,
    User,
)

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# the test itself are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "test-pass-123"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Static files straight from the finders (no collectstatic manifest in tests) and a
    # fast password hasher; uploaded files go to a throw-away storage (fixtures_storage).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run within the request that enqueues them; tests that need a queue say so.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_user(username, display_name, job_title=""):
    user = User(username=username, display_name=display_name, job_title=job_title)
    user.set_password(PASSWORD)
    user.save()
    return user


@dataclass
class Unit:
    organisation: Organisation
    inspection: Inspection
    areas: list
    principal: User
    leader: User
    other_leader: User
    staff: User
    other_staff: User
    inspector: User

    def add_findings(self, count, *, area=None, **fields):
        """Add `count` findings (led by `leader`, assigned to `staff` unless given)."""
        area = area or self.areas[0]
        start = (area.findings.order_by("-number").values_list("number", flat=True).first()) or 0
        defaults = {
            "kind": FindingKind.DEADLINE,
            "deadline": timezone.localdate() + timedelta(days=30),
            "responsible_leader": self.leader,
            "responsible_person": self.staff,
        }
        defaults.update(fields)
        return [
            Finding.objects.create(
                area=area, number=start + i + 1, statement=f"问题{start + i + 1}", **defaults
            )
            for i in range(count)
        ]

    def add_signed_off(self, count, *, result, area=None, **fields):
        """Add `count` findings signed off by `leader` with this result text (as frozen)."""
        return self.add_findings(
            count,
            area=area,
            status=fields.pop("status", Status.SIGNED_OFF),
            result=result,
            signed_result=result,
            signed_off_by=self.leader,
            signed_off_at=timezone.now(),
            **fields,
        )


def make_unit(prefix="u", name="测试单位", code="test-2024", signoff_levels=1):
    organisation = Organisation.objects.create(
        name=name,
        short_name=name[:4],
        phone="0311-12345678",
        postal_address="某市某区某路1号",
        postcode="050000",
        email="unit@example.org",
    )
    people = {}
    for attr, display, role in [
        ("principal", "书记", Role.PRINCIPAL),
        ("leader", "副书记", Role.LEADER),
        ("other_leader", "纪检委员", Role.LEADER),
        ("staff", "办公室干事", Role.STAFF),
        ("other_staff", "组织干事", Role.STAFF),
        ("inspector", "巡察组组长", Role.INSPECTOR),
    ]:
        user = make_user(f"{prefix}-{attr}", display)
        Membership.objects.create(user=user, organisation=organisation, role=role)
        people[attr] = user
    inspection = Inspection.objects.create(
        organisation=organisation,
        code=code,
        authority="区委",
        group="区委第一巡察组",
        kind=InspectionKind.ROUTINE,
        onsite_start=date(2024, 3, 1),
        onsite_end=date(2024, 4, 30),
        feedback_date=date(2024, 6, 1),
        signoff_levels=signoff_levels,
    )
    areas = [
        Area.objects.create(inspection=inspection, position=i, title=f"聚焦第{i}方面")
        for i in (1, 2)
    ]
    return Unit(organisation=organisation, inspection=inspection, areas=areas, **people)


@pytest.fixture
def unit(db):
    return make_unit()


@pytest.fixture
def other_unit(db):
    return make_unit(prefix="x", name="另一单位", code="other-2024")


@pytest.fixture
def outsider(other_unit):
    """A staff member of another unit."""
    return other_unit.staff


ADMINISTRATORS = {
    "sysadmin": ("系统管理员", AdminRole.SYSTEM),
    "secadmin": ("安全管理员", AdminRole.SECURITY),
    "auditor": ("审计管理员", AdminRole.AUDIT),
}


@pytest.fixture
def administrators(db):
    """The three administrators (三员分立), members of no unit: username → user."""
    people = {}
    for username, (display_name, role) in ADMINISTRATORS.items():
        user = make_user(username, display_name)
        user.admin_role, user.is_staff = role, True
        user.save()
        people[username] = user
    return people


@pytest.fixture
def seeded(db):
    demo.load_seed()
    return Inspection.objects.get(code="xinhua-cyl-2023")


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Debian's chromium is not installed: `make test` installs it.")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, username, password=PASSWORD):
    """Log in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


# The real notice the product reproduces, kept in the repository so that a lone clone
# has everything its tests compare with.
SEED_NOTICE = demo.settings.BASE_DIR / "fixtures" / "seed" / "notice-xinhua-cyl-2023.txt"


@pytest.fixture(scope="session")
def seed_notice_lines():
    """The non-empty lines of the real notice in fixtures/seed, stripped."""
    with open(SEED_NOTICE, encoding="utf-8") as f:
        return [line.strip() for line in f.read().splitlines() if line.strip()]


@pytest.fixture
def district(unit):
    """The office whose round holds the test unit."""
    from .fixtures_office import make_district

    return make_district("o", "某区委巡察工作领导小组办公室", units=[unit])


@pytest.fixture
def other_district(db):
    """The office of another district, with a round of its own unit."""
    from .fixtures_office import make_district

    other = make_unit(prefix="d", name="外区单位", code="far-2024")
    return make_district("z", "外区委巡察工作领导小组办公室", units=[other])
