"""The seed inspection against the real notice it comes from."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from findings import demo
from findings.models import Area, Finding, Inspection, Status


def _seed_sections(lines):
    """Areas with (statement, result) pairs, read straight from the notice text."""
    start = lines.index("二、整改落实的成效") + 1
    end = lines.index("三、下一步工作举措")
    areas = []
    i = start
    while i < end:
        heading = re.match(r"^（[一二三四五六七八九十]）(.*?)。?$", lines[i])
        if heading:
            areas.append((heading.group(1), []))
            i += 1
            continue
        numbered = re.match(r"^(\d+)\.(.*)$", lines[i])
        assert numbered, f"unexpected line in section 二: {lines[i]}"
        areas[-1][1].append((numbered.group(2), lines[i + 1]))
        i += 2
    return areas


def test_the_seed_has_four_areas_of_five_six_five_and_one_findings(seeded, seed_notice_lines):
    areas = _seed_sections(seed_notice_lines)
    assert [len(findings) for _, findings in areas] == [5, 6, 5, 1]
    db_areas = list(seeded.areas.order_by("position"))
    assert [a.title for a in db_areas] == [title for title, _ in areas]


def test_every_statement_and_result_matches_the_seed_notice(seeded, seed_notice_lines):
    for position, (_, expected) in enumerate(_seed_sections(seed_notice_lines), start=1):
        findings = Finding.objects.filter(
            area__inspection=seeded, area__position=position
        ).order_by("number")
        actual = [(f.statement, f.result) for f in findings]
        assert actual == expected, f"area {position} differs from the seed"


def test_all_seed_findings_are_signed_off_by_their_leader(seeded):
    findings = Finding.objects.filter(area__inspection=seeded)
    assert findings.count() == 17
    for finding in findings:
        assert finding.status == Status.SIGNED_OFF
        assert finding.signed_off_by == finding.responsible_leader
        assert finding.signed_off_at is not None


def test_findings_are_spread_over_the_leaders_and_staff(seeded):
    findings = Finding.objects.filter(area__inspection=seeded)
    leaders = {f.responsible_leader.display_name for f in findings}
    people = {f.responsible_person.display_name for f in findings}
    assert leaders == {"副书记", "组织宣传部部长"}
    assert people == {"办公室干事", "组织部干事"}


def test_the_inspection_and_unit_carry_the_seed_facts(seeded, seed_notice_lines):
    organisation = seeded.organisation
    assert seed_notice_lines[0] == organisation.name
    closing = seed_notice_lines[-1]
    for value in (
        organisation.phone,
        organisation.postal_address,
        organisation.postcode,
        organisation.email,
    ):
        assert value and value in closing
    with translation.override("zh-hans"):
        kind = seeded.get_kind_display()
    assert (seeded.authority, seeded.group, kind) == (
        "区委",
        "区委第二巡察组",
        "常规巡察",
    )
    assert str(seeded.onsite_start) == "2023-06-29"
    assert str(seeded.onsite_end) == "2023-08-31"
    assert str(seeded.feedback_date) == "2023-10-19"


def test_notice_texts_in_fixtures_are_verbatim_from_the_seed(seed_notice_lines):
    notice = demo.read_seed()["notice"]
    lines = seed_notice_lines
    assert lines[1] == notice["title"]
    assert lines[2] == notice["preamble"]
    assert lines[3].endswith(notice["measures_title"])
    section_one = lines[4:8]
    assert len(notice["measures"]) == len(section_one) == 4
    for line, item in zip(section_one, notice["measures"], strict=True):
        assert re.sub(r"^（\d）\s*", "", line) == f"{item['lead']}。{item['text']}"
    next_steps = lines[lines.index("三、下一步工作举措") + 1]
    numerals = "一二三四五六七八九十"
    rebuilt = notice["next_steps_lead"] + "".join(
        f"{numerals[i]}是{item['lead']}。{item['text']}"
        for i, item in enumerate(notice["next_steps"])
    )
    assert rebuilt == next_steps
    assert lines[-1] == notice["closing"]


def _row_counts():
    counts = {}
    for model in apps.get_models():
        counts[model._meta.label] = model.objects.count()
    return counts


@pytest.mark.django_db
def test_load_demo_twice_creates_nothing_the_second_time():
    call_command("load_demo", verbosity=0)
    before = _row_counts()
    seed = Finding.objects.filter(area__inspection__code="xinhua-cyl-2023")
    assert seed.count() == 17
    # each seed finding: recorded, then filed under a category by the demo office
    reasons = Finding.history.filter(id__in=seed.values("pk")).values_list(
        "history_change_reason", flat=True
    )
    assert len(reasons) == 34
    assert sum(1 for reason in reasons if reason.startswith("设置问题分类")) == 17
    call_command("load_demo", verbosity=0)
    assert _row_counts() == before


@pytest.mark.django_db
def test_load_demo_prints_the_demo_logins(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    for username in ("principal", "leader1", "leader2", "staff1", "staff2", "inspector"):
        assert username in out
    for username in ("xcb-director", "xcb-clerk", "jd-principal", "jy-staff"):
        assert username in out  # the inspection office's round (oversight/demo.py)
    assert demo.DEMO_PASSWORD in out
    assert Inspection.objects.filter(code="xinhua-cyl-2023").exists()
    assert Area.objects.filter(inspection__code="xinhua-cyl-2023").count() == 4
