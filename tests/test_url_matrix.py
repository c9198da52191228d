"""Every URL of the project × every kind of person → the expected status.

The URL list comes from the URL configuration itself: a new URL without an entry in
MATRIX fails `test_every_url_has_an_entry_in_the_matrix`. Each request runs in a
savepoint that is rolled back, so every entry sees the same world; for a refused
POST, the row count of every model and the finding itself are unchanged.

The people are the unit's (six kinds), anonymous, and the three administrators
(三员分立), and the inspection offices' people. The Django admin has a matrix of its own
in test_url_matrix_admin.py, over the same world.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ledger import services as ledger_services
from ledger.evidence import check_upload

from . import url_matrix_setup
from .conftest import PASSWORD
from .fixtures_compose import compose_matrix
from .fixtures_ledger import PDF, upload
from .fixtures_matrix import (
    ADMINISTRATORS,
    PEOPLE,
    _snapshot,
    build_world,
)
from .url_matrix_urls import (
    _category_name,
    _category_url,
    _extension_url,
    _finding_edit,
    _finding_url,
    _inspection_url,
    _job_url,
    _measure_url,
    _office_url,
    _progress,
    _round_url,
)

# The admin namespace has its own matrix (admin_matrix, below).
NOT_OURS = {"admin"}


def _statuses(default, **by_person):
    """Unless given, the office of the unit's round gets what the inspector gets (it reads
    the unit, read-only: findings.access), another district's office what the outsider gets."""
    office = dict.fromkeys(("office_director", "office_clerk"), by_person.get("inspector", default))
    far = {"far_director": by_person.get("outsider", default)}
    return dict.fromkeys(PEOPLE, default) | office | far | by_person


LOGIN = {"anonymous": 302}
# Not a member of the unit: its pages do not exist for them.
NOT_MEMBERS = dict.fromkeys(["outsider", *ADMINISTRATORS], 404)
EVERYONE = _statuses(200) | LOGIN
MEMBERS = _statuses(200, **NOT_MEMBERS) | LOGIN
MEMBERS_POST = _statuses(302, **NOT_MEMBERS) | LOGIN
EDITORS = _statuses(403, **NOT_MEMBERS, staff=302, principal=302) | LOGIN
IMPORTERS_GET = _statuses(403, **NOT_MEMBERS, staff=200, principal=200) | LOGIN
IMPORTERS_POST = _statuses(403, **NOT_MEMBERS, staff=302, principal=302) | LOGIN
SIGNERS = _statuses(403, **NOT_MEMBERS, leader=302, principal=302) | LOGIN
# the unit's staff (and the responsible person): 延期申请, 撤回
STAFF_POST = _statuses(403, **NOT_MEMBERS, staff=302) | LOGIN
PRINCIPAL_GET = _statuses(403, **NOT_MEMBERS, principal=200) | LOGIN
PRINCIPAL_POST = _statuses(403, **NOT_MEMBERS, principal=302) | LOGIN
PUBLIC = _statuses(200)
# 督办: the unit's members and the office of its round read; 督办 staff issue and close;
# the principal acknowledges and replies. Another district's office sees nothing.
UNIT_AND_OFFICE = MEMBERS | {"office_director": 200, "office_clerk": 200}
SUPERVISOR_GET = _statuses(404, office_director=200, office_clerk=403) | LOGIN
SUPERVISOR_POST = _statuses(404, office_director=302, office_clerk=403) | LOGIN
UNIT_OR_OFFICE_STEP = {"office_director": 403, "office_clerk": 403}
ACKNOWLEDGE = _statuses(403, **NOT_MEMBERS, principal=302) | LOGIN | UNIT_OR_OFFICE_STEP
OFFICE_ONLY = _statuses(404, office_director=200, office_clerk=200) | LOGIN
CLOSE = _statuses(403, **NOT_MEMBERS, office_clerk=403, office_director=302) | LOGIN
# 问题分类 of a finding: the unit's principal and the office's 督办 staff, nobody else.
CLASSIFY = _statuses(403, **NOT_MEMBERS, principal=302, office_director=302) | LOGIN
# Office people read a unit's ledger but are not its members.
NOT_OFFICE = {"office_director": 404, "office_clerk": 404}
# Accepted POSTs that need not write a row (the session or a cookie is what changes).
WRITES_NOTHING_NEEDED = {"logout", "set_language", "ledger:notifications_read"}


def _password_change(w):
    new = "Zhenggai-taizhang-2024!"
    return {"old_password": PASSWORD, "new_password1": new, "new_password2": new}


def _in_a_week():
    return (timezone.localdate() + timedelta(days=7)).isoformat()


def _xlsx_upload(w):
    return {"file": upload("台账.xlsx", w.job_file_bytes)}


# url name → list of (method, url builder, POST data builder or None, expected by person)
MATRIX = {
    # The principal, the inspector and the office land on their units' summary; the
    # others are sent on to 我的工作 (ledger.landing).
    "home": [
        (
            "get",
            lambda w: reverse("home"),
            None,
            _statuses(302, principal=200, inspector=200, far_director=200),
        )
    ],
    "login": [("get", lambda w: reverse("login"), None, _statuses(200))],
    "logout": [("post", lambda w: reverse("logout"), None, _statuses(302))],
    "set_language": [
        ("post", lambda w: reverse("set_language"), lambda w: {"language": "en"}, _statuses(302))
    ],
    "accounts:account": [("get", lambda w: reverse("accounts:account"), None, EVERYONE)],
    "accounts:password_change": [
        ("get", lambda w: reverse("accounts:password_change"), None, EVERYONE),
        ("post", lambda w: reverse("accounts:password_change"), _password_change, _statuses(302)),
    ],
    # Setting up writes nothing until the code is confirmed (tests/test_accounts_otp.py).
    "accounts:otp_setup": [("get", lambda w: reverse("accounts:otp_setup"), None, EVERYONE)],
    # Nobody here owes a second factor: the page sends them on.
    "accounts:otp_verify": [
        ("get", lambda w: reverse("accounts:otp_verify"), None, _statuses(302))
    ],
    # Nobody here has an authenticator, so there are no recovery codes to renew.
    "accounts:recovery_codes": [
        ("post", lambda w: reverse("accounts:recovery_codes"), None, _statuses(404) | LOGIN)
    ],
    "findings:inspection_list": [
        ("get", lambda w: reverse("findings:inspection_list"), None, EVERYONE)
    ],
    "findings:inspection_detail": [
        ("get", _inspection_url("findings:inspection_detail"), None, MEMBERS)
    ],
    "findings:finding_category": [
        (
            "post",
            _finding_url("findings:finding_category"),
            lambda w: {"category": w.district.categories[1].pk},
            CLASSIFY,
        )
    ],
    "findings:ledger_print": [("get", _inspection_url("findings:ledger_print"), None, MEMBERS)],
    "findings:finding_detail": [("get", _finding_url("findings:finding_detail"), None, MEMBERS)],
    "sheets:ledger_export": [
        ("get", _inspection_url("sheets:ledger_export"), None, MEMBERS),
        ("post", _inspection_url("sheets:ledger_export"), None, MEMBERS_POST),
    ],
    "sheets:export_job": [
        (
            "get",
            lambda w: reverse("sheets:export_job", args=[w.code, w.export_job.pk]),
            None,
            MEMBERS,
        )
    ],
    "sheets:export_download": [
        (
            "get",
            lambda w: reverse("sheets:export_download", args=[w.code, w.export_job.pk]),
            None,
            MEMBERS,
        )
    ],
    "sheets:ledger_template": [("get", _inspection_url("sheets:ledger_template"), None, MEMBERS)],
    "sheets:import_upload": [
        ("get", _inspection_url("sheets:import_upload"), None, IMPORTERS_GET),
        ("post", _inspection_url("sheets:import_upload"), _xlsx_upload, IMPORTERS_POST),
    ],
    "sheets:import_job": [("get", _job_url("sheets:import_job"), None, IMPORTERS_GET)],
    "sheets:import_confirm": [
        (
            "post",
            lambda w: reverse("sheets:import_confirm", args=[w.code, w.good_job.pk]),
            None,
            IMPORTERS_POST,
        )
    ],
    "sheets:import_errors": [("get", _job_url("sheets:import_errors"), None, IMPORTERS_GET)],
    # A new first-login link for a person the import added: the principal's.
    "sheets:member_link": [
        (
            "post",
            lambda w: reverse("sheets:member_link", args=[w.code, w.done_job.pk, w.newcomer.pk]),
            None,
            PRINCIPAL_POST,
        )
    ],
    # Reached without logging in: the signed link is the key.
    "accounts:first_login": [("get", lambda w: w.first_login_path, None, _statuses(200))],
    "ledger:my_work": [("get", lambda w: reverse("ledger:my_work"), None, EVERYONE)],
    "ledger:notifications_read": [
        ("post", lambda w: reverse("ledger:notifications_read"), None, _statuses(302))
    ],
    "ledger:dashboard": [("get", _inspection_url("ledger:dashboard"), None, MEMBERS)],
    "ledger:unlinked_names": [
        ("get", _inspection_url("ledger:unlinked_names"), None, PRINCIPAL_GET)
    ],
    "ledger:link_name": [
        (
            "post",
            _inspection_url("ledger:link_name"),
            lambda w: {"name": "档案员", "user": w.newcomer.pk},
            PRINCIPAL_POST,
        )
    ],
    "ledger:evidence_download": [
        (
            "get",
            lambda w: reverse("ledger:evidence_download", args=[w.code, w.evidence.public_id]),
            None,
            MEMBERS,
        )
    ],
    "ledger:add_progress": [("post", _finding_url("ledger:add_progress"), _progress, EDITORS)],
    "ledger:edit_finding": [("post", _finding_url("ledger:edit_finding"), _finding_edit, EDITORS)],
    "ledger:add_measure": [
        (
            "post",
            _finding_url("ledger:add_measure"),
            lambda w: {"new-version": w.finding.version, "new-text": "新措施"},
            EDITORS,
        )
    ],
    "ledger:edit_measure": [
        (
            "post",
            _measure_url("ledger:edit_measure"),
            lambda w: {
                f"m{w.measure.pk}-version": w.finding.version,
                f"m{w.measure.pk}-text": "改后",
            },
            EDITORS,
        )
    ],
    "ledger:complete_measure": [
        (
            "post",
            _measure_url("ledger:complete_measure"),
            lambda w: {"done-done_on": timezone.localdate().isoformat()},
            EDITORS,
        )
    ],
    "ledger:move_measure": [("post", _measure_url("ledger:move_measure", "down"), None, EDITORS)],
    "ledger:take_action": [
        (
            "post",
            lambda w: reverse("ledger:take_action", args=[w.code, w.submitted.pk, "sign_off"]),
            lambda w: {"t-version": w.submitted.version, "confirmed": "1"},
            SIGNERS,
        ),
        (
            "post",
            lambda w: reverse("ledger:take_action", args=[w.code, w.submitted.pk, "return"]),
            lambda w: {"t-reason": "材料不全", "t-version": w.submitted.version},
            SIGNERS,
        ),
        (
            "post",
            lambda w: reverse("ledger:take_action", args=[w.code, w.submitted.pk, "withdraw"]),
            lambda w: {"t-reason": "补充材料"},
            STAFF_POST,
        ),
    ],
    "ledger:bulk_sign_off": [
        (
            "post",
            lambda w: reverse("ledger:bulk_sign_off"),
            lambda w: {
                "finding": str(w.submitted.pk),
                f"version-{w.submitted.pk}": str(w.submitted.version),
                "confirmed": "1",
            },
            SIGNERS,
        )
    ],
    "ledger:extension_ask": [
        (
            "post",
            _finding_url("ledger:extension_ask"),
            lambda w: {
                "x-new_deadline": (w.finding.deadline + timedelta(days=30)).isoformat(),
                "x-reason": "需协调资金",
            },
            STAFF_POST,
        )
    ],
    "ledger:extension_decide": [
        (
            "post",
            _extension_url("approve"),
            None,
            SIGNERS,
        ),
        (
            "post",
            _extension_url("refuse"),
            lambda w: {"d-reason": "理由不足"},
            SIGNERS,
        ),
        ("post", _extension_url("withdraw"), None, STAFF_POST),
    ],
    "reports:notice_detail": [("get", _inspection_url("reports:notice_detail"), None, MEMBERS)],
    "reports:notice_edit": [("get", _inspection_url("reports:notice_edit"), None, PRINCIPAL_GET)],
    **compose_matrix(PRINCIPAL_GET, PRINCIPAL_POST),
    "reports:notice_preview": [("get", _inspection_url("reports:notice_preview"), None, MEMBERS)],
    "reports:notice_draft_pdf": [
        ("get", _inspection_url("reports:notice_draft_pdf"), None, MEMBERS)
    ],
    "reports:notice_draft_docx": [
        ("get", _inspection_url("reports:notice_draft_docx"), None, MEMBERS)
    ],
    "reports:notice_publish": [
        # The first POST answers with the confirmation page and writes nothing.
        ("post", _inspection_url("reports:notice_publish"), None, PRINCIPAL_GET),
        (
            "post",
            _inspection_url("reports:notice_publish"),
            lambda w: {"confirmed": "1"},
            PRINCIPAL_POST,
        ),
    ],
    "reports:notice_withholding": [
        ("get", _inspection_url("reports:notice_withholding"), None, PRINCIPAL_GET),
        (
            "post",
            _inspection_url("reports:notice_withholding"),
            lambda w: {f"reason-{w.submitted.pk}": "hype"},
            PRINCIPAL_POST,
        ),
    ],
    "reports:notice_withdraw": [
        (
            "post",
            lambda w: reverse("reports:notice_withdraw", args=[w.code, w.version.number]),
            lambda w: {"reason": "发布有误"},
            PRINCIPAL_GET,
        ),
        (
            "post",
            lambda w: reverse("reports:notice_withdraw", args=[w.code, w.version.number]),
            lambda w: {"reason": "发布有误", "confirmed": "1"},
            PRINCIPAL_POST,
        ),
    ],
    "reports:internal_notice": [
        (
            "get",
            lambda w: reverse("reports:internal_notice", args=[w.code, w.version.number]),
            None,
            MEMBERS,
        )
    ],
    "reports:internal_notice_file": [
        (
            "get",
            lambda w: reverse(
                "reports:internal_notice_file", args=[w.code, w.version.number, "pdf"]
            ),
            None,
            MEMBERS,
        )
    ],
    "reports:publish_job": [
        (
            "get",
            lambda w: reverse("reports:publish_job", args=[w.code, w.publish_job.pk]),
            None,
            PRINCIPAL_GET,
        )
    ],
    "reports:notice_diff": [("get", _inspection_url("reports:notice_diff"), None, MEMBERS)],
    "oversight:office_home": [("get", lambda w: reverse("oversight:office_home"), None, EVERYONE)],
    "oversight:office_categories": [
        ("get", _office_url("oversight:office_categories"), None, OFFICE_ONLY),
        (
            "post",
            _office_url("oversight:office_categories"),
            lambda w: {"name": "形式主义官僚主义"},
            SUPERVISOR_POST,
        ),
    ],
    "oversight:category_change": [
        ("post", _category_url("rename"), _category_name, SUPERVISOR_POST),
        ("post", _category_url("up"), None, SUPERVISOR_POST),
        ("post", _category_url("retire"), None, SUPERVISOR_POST),
    ],
    "oversight:round_dashboard": [
        ("get", _round_url("oversight:round_dashboard"), None, OFFICE_ONLY)
    ],
    "oversight:round_findings": [
        ("get", _round_url("oversight:round_findings"), None, OFFICE_ONLY)
    ],
    "oversight:round_export": [("get", _round_url("oversight:round_export"), None, OFFICE_ONLY)],
    "oversight:round_summary": [("get", _round_url("oversight:round_summary"), None, OFFICE_ONLY)],
    "oversight:round_summary_pdf": [
        ("get", _round_url("oversight:round_summary_pdf"), None, OFFICE_ONLY)
    ],
    "oversight:round_summary_docx": [
        ("get", _round_url("oversight:round_summary_docx"), None, OFFICE_ONLY)
    ],
    "oversight:round_summary_publish": [
        ("post", _round_url("oversight:round_summary_publish"), None, SUPERVISOR_POST)
    ],
    "oversight:public_summary": [
        (
            "get",
            lambda w: reverse("oversight:public_summary", args=[w.summary.public_id]),
            None,
            PUBLIC,
        )
    ],
    "oversight:public_summary_pdf": [
        (
            "get",
            lambda w: reverse("oversight:public_summary_pdf", args=[w.summary.public_id]),
            None,
            PUBLIC,
        )
    ],
    "oversight:public_summary_docx": [
        (
            "get",
            lambda w: reverse("oversight:public_summary_docx", args=[w.summary.public_id]),
            None,
            PUBLIC,
        )
    ],
    "oversight:unit_orders": [
        ("get", _inspection_url("oversight:unit_orders"), None, UNIT_AND_OFFICE)
    ],
    "oversight:order_new": [
        ("get", _inspection_url("oversight:order_new"), None, SUPERVISOR_GET),
        (
            "post",
            _inspection_url("oversight:order_new"),
            lambda w: {"text": "请报告整改进展", "reply_deadline": _in_a_week()},
            SUPERVISOR_POST,
        ),
    ],
    "oversight:order_detail": [
        (
            "get",
            lambda w: reverse("oversight:order_detail", args=[w.order.public_id]),
            None,
            UNIT_AND_OFFICE,
        )
    ],
    "oversight:order_step": [
        (
            "post",
            lambda w: reverse("oversight:order_step", args=[w.order.public_id, "acknowledge"]),
            None,
            ACKNOWLEDGE,
        ),
        (
            "post",
            lambda w: reverse("oversight:order_step", args=[w.replied.public_id, "close"]),
            None,
            CLOSE,
        ),
    ],
    "oversight:reply_evidence": [
        (
            "get",
            lambda w: reverse(
                "oversight:reply_evidence", args=[w.replied.public_id, w.reply_file.public_id]
            ),
            None,
            UNIT_AND_OFFICE,
        )
    ],
    "reports:public_notice": [
        (
            "get",
            lambda w: reverse("reports:public_notice", args=[w.version.public_id]),
            None,
            PUBLIC,
        )
    ],
    "reports:public_notice_pdf": [
        (
            "get",
            lambda w: reverse("reports:public_notice_pdf", args=[w.version.public_id]),
            None,
            PUBLIC,
        )
    ],
    "reports:current_notice": [
        (
            "get",
            lambda w: reverse("reports:current_notice", args=[w.version.notice.public_id]),
            None,
            _statuses(302),
        )
    ],
    "reports:public_notice_docx": [
        (
            "get",
            lambda w: reverse("reports:public_notice_docx", args=[w.version.public_id]),
            None,
            PUBLIC,
        )
    ],
}
# The principal's setup pages (tests/url_matrix_setup.py): the unit's other members 403,
# everyone else 404.
MATRIX |= url_matrix_setup.entries(
    get=PRINCIPAL_GET | NOT_OFFICE,
    post=PRINCIPAL_POST | NOT_OFFICE,
    # the office reads the inspection: its setup page refuses them as it refuses members
    inspection_get=PRINCIPAL_GET,
    inspection_post=PRINCIPAL_POST,
    inspection_url=_inspection_url,
)


def project_url_names(patterns=None, namespace=None):
    """The names of every URL pattern of the project, outside NOT_OURS."""
    names = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_OURS:
                continue
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            names += project_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed URL pattern {pattern.pattern}"
            names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_has_an_entry_in_the_matrix():
    names = project_url_names()
    assert [name for name in names if name not in MATRIX] == []
    assert [name for name in MATRIX if name not in names] == []


@pytest.fixture
def world(unit, outsider, administrators, district, other_district, tmp_path):
    return build_world(unit, outsider, administrators, district, other_district, tmp_path)


@pytest.mark.parametrize("person", PEOPLE)
def test_every_url_answers_each_person_as_expected(client, world, person):
    failures = []
    for name, entries in MATRIX.items():
        for method, build_url, build_data, expected in entries:
            world.login_as(client, person)
            url = build_url(world)
            data = build_data(world) if build_data else {}
            with transaction.atomic():
                before = _snapshot(world) if method == "post" else None
                response = getattr(client, method)(url, data)
                if method == "post":
                    changed = _snapshot(world) != before
                    if response.status_code != 302 and changed:
                        failures.append(f"{name}: refused POST changed the database")
                    accepted = response.status_code == 302 and person != "anonymous"
                    if accepted and not changed and name not in WRITES_NOTHING_NEEDED:
                        failures.append(f"{name}: accepted POST wrote nothing")
                if (
                    response.status_code == 302
                    and person == "anonymous"
                    and name not in ("home", "logout", "set_language", "reports:current_notice")
                    and not response.url.startswith(reverse("login"))
                ):
                    failures.append(f"{name}: anonymous sent to {response.url}, not to login")
                transaction.set_rollback(True)
            if response.status_code != expected[person]:
                failures.append(
                    f"{name} {method} {url}: {response.status_code}, expected {expected[person]}"
                )
    assert failures == []


def test_a_refused_post_is_checked_against_every_table(world, client):
    """The snapshot is sensitive: a write the matrix would have to notice changes it."""
    before = _snapshot(world)
    ledger_services.add_progress(
        finding=world.finding,
        by=world.unit.staff,
        on_date=timezone.localdate(),
        text="进展",
        files=[check_upload(upload("记录.pdf", PDF))],
    )
    assert _snapshot(world) != before
