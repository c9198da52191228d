"""Planning an import: the sheet read by `reader` against the inspection's ledger.

`plan_import` lists what would be created, updated, left unchanged and every error,
without writing anything; `apply.import_ledger` makes the plan again under the
inspection's lock and writes it.
"""

import re
from functools import lru_cache

from django.conf import settings

from findings import editing
from findings.models import (
    Area,
    Finding,
    FindingKind,
    Measure,
    ProblemCategory,
    Status,
    User,
)
from rectify.batch import collection_paused

from .cells import area_key, clean_text, compact, parse_deadline, parse_number
from .people import join_names, split_names
from .plan import Change, ImportPlan, PlannedFinding
from .words import DONE_STATUSES, kind_of, status_of
from .xlsx import COLUMNS, KIND_LABELS, STATUS_LABELS

MEASURE_COLUMNS = ("id", "finding_id", "position", "text", "owner_id", "owner_text", "deadline",
                   "done_on")  # fmt: skip
# Fields of a finding that the sheet can set, with the column each one comes from.
FINDING_FIELDS = {
    "statement": "statement",
    "detail": "detail",
    "responsible_leader": "leader",
    "responsible_leader_text": "leader",
    "responsible_person": "person",
    "responsible_person_text": "person",
    "responsible_department": "department",
    "deadline": "deadline",
    "kind": "kind",
    "result": "result",
    "category": "category",
}
# Fields of a finding that point at another row, set by id (plan_creation).
RELATION_FIELDS = ("responsible_leader", "responsible_person", "category")


def _people_index(inspection):
    people = {}
    for user in User.objects.filter(memberships__organisation=inspection.organisation_id):
        people.setdefault(compact(user.display_name), []).append(user)
    return people


AREA_TITLE_MAX = Area._meta.get_field("title").max_length


def text_limit(field_name):
    """The most characters a finding's field may hold: its column's, or the notice's bound."""
    if field_name == "result":
        return settings.FINDING_TEXT_MAX_CHARS
    return _column_limit(field_name)


@lru_cache
def _column_limit(field_name):
    return Finding._meta.get_field(field_name).max_length


class _Planner:
    def __init__(self, inspection, sheet):
        self.sheet = sheet
        self.plan = ImportPlan(inspection=inspection, sheet=sheet)
        self.people = _people_index(inspection)
        self.users_by_id = {u.pk: u for users in self.people.values() for u in users}
        areas = list(inspection.areas.all())
        self.areas = {area_key(a.title): a for a in areas}
        self.areas_by_id = {a.pk: a for a in areas}
        self.may_create_areas = not self.areas
        self.existing = {}
        area_field = Finding._meta.get_field("area")
        for finding in Finding.objects.filter(area__inspection=inspection):
            area_field.set_cached_value(finding, self.areas_by_id[finding.area_id])
            self.existing[(finding.area_id, finding.number)] = finding
        # Measures as rows: a Measure is made only for one that changes (plan_measures).
        self.measures = {}
        for row in (
            Measure.objects.filter(finding__area__inspection=inspection)
            .order_by("finding_id", "position")
            .values_list(*MEASURE_COLUMNS)
        ):
            self.measures.setdefault(row[1], []).append(row)
        self.co = {}
        through = Finding.co_responsible.through
        for finding_id, user_id in through.objects.filter(
            finding__area__inspection=inspection
        ).values_list("finding_id", "user_id"):
            self.co.setdefault(finding_id, set()).add(user_id)
        # 问题分类: the list of the office whose round the inspection belongs to.
        office_categories = (
            ProblemCategory.objects.filter(office__rounds=inspection.round_id)
            if inspection.round_id
            else ProblemCategory.objects.none()
        )
        self.categories_by_id = {c.pk: c for c in office_categories}
        self.categories = {_category_key(c.name): c for c in self.categories_by_id.values()}
        self.seen = {}
        self.split = {}  # cell text → its names (split_names)
        self.matched = set()
        self.has = set(sheet.columns)

    def error(self, row, key, value, message):
        self.plan.errors.append(self.sheet.error(row, key, value, message))

    def fits(self, row, key, value, text, limit):
        """False (and an error naming the cell) when `text` is longer than `limit`."""
        if limit is None or len(text) <= limit:
            return True
        self.error(row, key, value, f"最多{limit}个字，这里有{len(text)}个")
        return False

    def user_names(self, ids):
        return join_names(sorted(str(self.users_by_id.get(i, "")) for i in ids))

    def named(self, row, key, value):
        """(users, names without an account) for a cell naming one or more people.

        The users are None where the first name has no account, so that users[0] is
        the person named first or nobody."""
        users, unlinked = [], []
        names = self.split.get(value) if value.__class__ is str else None
        if names is None:
            names = split_names(value, self.people)
            if value.__class__ is str:
                self.split[value] = names  # the same few names down the whole sheet
        for index, (name, written) in enumerate(names):
            found = self.people.get(name)
            if found and len(found) > 1:
                self.error(row, key, value, f"本单位有多人名为“{written}”，无法确定是谁")
                continue
            if not found:
                unlinked.append(written)
                self.plan.unknown_people.setdefault(written, []).append(row)
                if key == "leader":
                    self.plan.unknown_leaders.add(written)
                if index == 0:
                    users.append(None)
                continue
            users.append(found[0])
        return users, unlinked

    def person_fields(self, row, key, field_name, value, values, co):
        users, unlinked = self.named(row, key, value)
        values[field_name] = users[0] if users else None
        text = values[f"{field_name}_text"] = join_names(unlinked)
        self.fits(row, key, value, text, text_limit(f"{field_name}_text"))
        co.extend(u for u in users[1:] if u is not None)

    def area(self, source):
        value = source.cells["area"]
        title = clean_text(value)
        if not title:
            self.error(source.row, "area", value, "问题方面为空")
            return None
        key = area_key(title)
        area = self.areas.get(key)
        if area is None and self.may_create_areas:
            if not self.fits(source.row, "area", value, title, AREA_TITLE_MAX):
                return None
            area = Area(inspection=self.plan.inspection, position=len(self.areas) + 1, title=title)
            self.areas[key] = area
            self.plan.new_areas.append(area)
        if area is None:
            self.error(source.row, "area", value, "本次巡察没有这个问题方面")
        return area

    def kind_and_deadline(self, source, existing):
        cells, row = source.cells, source.row
        type_kind = word_kind = deadline = None
        if "kind" in self.has and compact(cells["kind"]):
            type_kind, unusual = kind_of(cells["kind"])
            if type_kind is None:
                labels = "、".join(KIND_LABELS.values())
                message = f"不认识的整改类型（应为{labels}），按整改时限判断"
                self.warn(source, "kind", cells["kind"], message)
            elif unusual:
                self.read_as("kind", cells["kind"], KIND_LABELS[type_kind])
        if "deadline" in self.has:
            try:
                deadline, word_kind = parse_deadline(cells["deadline"])
            except ValueError:
                self.error(row, "deadline", cells["deadline"], "无法识别的日期（例：2024-01-31）")
                return None, None
        elif existing is not None:
            deadline = existing.deadline
        if type_kind and word_kind and type_kind != word_kind:
            self.error(row, "deadline", cells["deadline"], "与整改类型不一致")
            return None, None
        kind = type_kind or word_kind
        if kind is None and existing is not None and "kind" not in self.has:
            kind = existing.kind  # a file without 整改类型 leaves the kind alone
        if kind is None and deadline is not None:
            kind = FindingKind.DEADLINE
        if kind is None:
            key = "deadline" if "deadline" in self.has else None
            self.error(row, key, None, "整改时限和整改类型都为空")
            return None, None
        try:
            editing.check_deadline(kind, deadline)
        except editing.DeadlineMissing:
            key = "deadline" if "deadline" in self.has else "kind"
            self.error(row, key, cells.get(key), "限期整改必须填写整改时限")
            return None, None
        return kind, deadline

    def warn(self, source, key, value, message):
        """A problem that does not stop the import: shown in the preview, and the value
        kept in the finding's history note."""
        warning = self.sheet.error(source.row, key, value, message)
        self.plan.warnings.append(warning)
        self.history_notes.append(f"{warning.header}“{warning.value}”未识别")

    def read_as(self, key, value, label):
        entry = self.plan.readings.setdefault(
            (self.sheet.headers.get(key, COLUMNS[key]), clean_text(value)), [label, 0]
        )
        entry[1] += 1

    def status(self, source):
        if "status" not in self.has:
            return None
        value = source.cells["status"]
        if not compact(value):
            return None
        status, unusual = status_of(value)
        if status is None:
            labels = "、".join(STATUS_LABELS.values())
            self.warn(source, "status", value, f"不认识的整改状态（应为{labels}），未导入状态")
        elif unusual:
            self.read_as("status", value, STATUS_LABELS[status])
        return status

    def category(self, source, existing):
        """The office's category the cell names; None for an empty cell. An unknown word
        is a warning (kept in the history note) and leaves the category as it was."""
        value = source.cells["category"]
        word = _category_key(value)
        if not word:
            return None
        found = self.categories.get(word)
        if found is not None:
            return found
        if self.categories:
            names = "、".join(c.name for c in self.categories.values())
            message = f"不是本轮巡察办的问题分类（{names}），未导入分类"
        else:
            message = "本次巡察不属于巡察办的轮次，没有问题分类可选，未导入分类"
        self.warn(source, "category", value, message)
        if existing is None or existing.category_id is None:
            return None
        return self.categories_by_id.get(existing.category_id) or existing.category

    def values(self, source, existing):
        """The finding's fields as the sheet gives them, or None after an error."""
        cells, row = source.cells, source.row
        errors_before = len(self.plan.errors)
        self.history_notes = []
        values = {}
        statement = clean_text(cells["statement"])
        if not statement:
            self.error(row, "statement", cells["statement"], "问题为空")
        self.fits(row, "statement", cells["statement"], statement, settings.FINDING_TEXT_MAX_CHARS)
        values["statement"] = statement
        for field_name, key in (
            ("detail", "detail"),
            ("responsible_department", "department"),
            ("result", "result"),
        ):
            if key in self.has:
                values[field_name] = clean_text(cells[key])
                self.fits(row, key, cells[key], values[field_name], text_limit(field_name))
        co = []
        if "leader" in self.has:
            self.person_fields(row, "leader", "responsible_leader", cells["leader"], values, co)
        if "person" in self.has:
            self.person_fields(row, "person", "responsible_person", cells["person"], values, co)
        chosen = {values.get("responsible_leader"), values.get("responsible_person")}
        co_ids = {u.pk for u in co if u not in chosen}
        values["kind"], values["deadline"] = self.kind_and_deadline(source, existing)
        values["status"] = self.status(source)
        if "category" in self.has:
            values["category"] = self.category(source, existing)
        if "person" in self.has:
            for measure in source.measures:
                if measure.row == row:
                    measure.owner = values["responsible_person"]
                else:
                    users, unlinked = self.named(measure.row, "person", measure.person)
                    measure.owner = users[0] if users else None
                    measure.owner_text = join_names(unlinked)
        if len(self.plan.errors) > errors_before:
            return None
        has_people = "leader" in self.has or "person" in self.has
        values["co_responsible"] = co_ids if has_people else None
        return values

    def run(self):
        for source in self.sheet.findings:
            self.plan_finding(source)
        self.plan.missing = [
            f
            for key, f in sorted(
                self.existing.items(), key=lambda kv: (kv[1].area.position, kv[1].number)
            )
            if key not in self.matched
        ]
        return self.plan

    def plan_finding(self, source):
        number = parse_number(source.cells["number"])
        if number is None:
            self.error(source.row, "number", source.cells["number"], "序号必须是正整数")
        area = self.area(source)
        if number is None or area is None:
            self.values(source, None)  # report the row's other errors too
            return
        key = (area.pk or id(area), number)
        if key in self.seen:
            self.error(
                source.row,
                "number",
                source.cells["number"],
                f"序号在同一问题方面里重复（第{self.seen[key]}行已有）",
            )
            return
        self.seen[key] = source.row
        existing = self.existing.get(key) if area.pk else None
        values = self.values(source, existing)
        if values is None:
            return
        status = values.pop("status")
        if existing is None:
            self.plan_creation(source, area, number, values, status)
        else:
            self.matched.add(key)
            self.plan_update(source, existing, values, status)

    def plan_creation(self, source, area, number, values, status):
        planned = PlannedFinding(source=source, finding=None, area_title=area.title)
        planned.history_notes = self.history_notes
        if status in DONE_STATUSES:
            # An import never signs anything off: what the sheet says is done is a claim
            # for the leader to verify.
            claimed = clean_text(source.cells["status"])
            planned.history_notes.append(f"表中称“{claimed}”，导入为待销号，待领导核实")
            self.plan.claims += 1
            status = Status.SUBMITTED
        planned.co_responsible = values.pop("co_responsible") or None
        # The deadline an import gives a new finding is the one committed to.
        values["original_deadline"] = values.get("deadline")
        for name in RELATION_FIELDS:
            if name in values:  # ids, not objects: no relation checks for each of them
                target = values.pop(name)
                values[f"{name}_id"] = target.pk if target else None
        # The area may be new: apply sets area_id once it is written.
        planned.area = area
        finding = Finding(
            area_id=area.pk, number=number, status=status or Status.NOT_STARTED, **values
        )
        planned.finding = finding
        for position, measure in enumerate(source.measures, start=1):
            planned.new_measures.append(_new_measure(finding, position, measure))
        self.plan.to_create.append(planned)

    def plan_update(self, source, existing, values, status):
        planned = PlannedFinding(source=source, finding=existing, area_title=existing.area.title)
        planned.history_notes = self.history_notes
        person_before = existing.responsible_person_id
        co_new, co_old = values.pop("co_responsible"), self.co.get(existing.pk, set())
        self.keep_deadline(source, existing, values)
        if co_new is not None and co_new != co_old:
            planned.co_responsible, planned.co_before = co_new, co_old
            planned.changes.append(
                Change("共同责任人", self.user_names(co_old), self.user_names(co_new))
            )
        if existing.deadline is None and values.get("deadline") is not None:
            # a first deadline: the one committed to
            existing.original_deadline = values["deadline"]
            planned.changed_fields.add("original_deadline")
        for field_name, new in values.items():
            model_field = Finding._meta.get_field(field_name)
            old = getattr(existing, model_field.attname)
            if model_field.is_relation:
                targets = self.categories_by_id if field_name == "category" else self.users_by_id
                same = old == (new.pk if new else None)
                old = targets.get(old)
            else:
                same = old == new
            if not same:
                planned.changes.append(
                    Change(
                        COLUMNS[FINDING_FIELDS[field_name]],
                        _shown(old, field_name),
                        _shown(new, field_name),
                    )
                )
                setattr(existing, field_name, new)
                planned.changed_fields.add(model_field.attname)
        if status is not None and status != existing.status:
            self.plan.notes.append(
                f"第{source.row}行：整改状态与系统不同（系统为“{STATUS_LABELS[existing.status]}”），"
                "状态以系统中的销号流程为准，未导入。"
            )
        self.plan_measures(planned, existing, person_before)
        if not planned.changes:
            self.plan.unchanged.append(planned)
            return
        try:
            if {c.field for c in planned.changes} != {COLUMNS["category"]}:
                # Filing under a category is no content: allowed after the sign-off too
                # (as oversight.services.set_category allows it).
                editing.refuse_if_signed_off(existing)
        except editing.SignedOff:
            changed = "、".join(change.field for change in planned.changes)
            self.error(
                source.row,
                "statement",
                existing.statement,
                f"该问题已销号，不能通过导入修改（{changed}）；如需修改，请先由主要负责人重新打开。",
            )
            self.plan.unchanged.append(planned)
            return
        frozen = [c.field for c in planned.changes if _is_frozen_change(c)]
        if frozen:
            try:
                editing.refuse_if_frozen(existing)
            except editing.Frozen:
                self.error(
                    source.row,
                    "statement",
                    existing.statement,
                    f"该问题待销号，整改成效、措施已冻结，不能通过导入修改（{'、'.join(frozen)}）；"
                    "如需修改，请先由提交人撤回销号申请。",
                )
                self.plan.unchanged.append(planned)
                return
        planned.changed_fields.add(editing.bump_version(existing))
        self.plan.to_update.append(planned)

    def keep_deadline(self, source, existing, values):
        """A set deadline is not moved by an import: it moves only through an approved
        extension request (延期申请). The sheet's other date is reported and not imported."""
        new = values.get("deadline")
        try:
            editing.check_deadline_change(existing, new)
        except editing.DeadlineLocked:
            values["deadline"] = existing.deadline
            self.plan.notes.append(
                f"第{source.row}行：整改时限与系统不同（系统为{existing.deadline:%Y-%m-%d}，"
                f"表中为{_shown(new, 'deadline') or '空'}），时限只能通过延期申请变更，未导入。"
            )

    def plan_measures(self, planned, finding, person_before):
        """Measures in file order against the finding's by position; owners compared as
        the person who is in charge (a measure without owner: the finding's person)."""
        current = self.measures.get(finding.pk, [])
        has_person = "person" in self.has
        for position, measure in enumerate(planned.source.measures, start=1):
            if position > len(current):
                planned.new_measures.append(_new_measure(finding, position, measure))
                planned.changes.append(Change(f"{MEASURE_CHANGE}{position}", "", measure.text))
                continue
            row = current[position - 1]
            text, owner_id, owner_text = row[3], row[4], row[5]
            owner_changed = has_person and (
                (owner_id or person_before)
                != (measure.owner.pk if measure.owner else finding.responsible_person_id)
                or owner_text != measure.owner_text
            )
            if text != measure.text or owner_changed:
                shown_old = text
                if owner_changed:
                    shown_old += f"（{self.users_by_id.get(owner_id or person_before, '')}）"
                planned.changes.append(
                    Change(f"{MEASURE_CHANGE}{position}", shown_old, measure.text)
                )
                old = Measure(**dict(zip(MEASURE_COLUMNS, row, strict=True)))
                old.text = measure.text
                if owner_changed:
                    old.owner_id, old.owner_text = (
                        measure.owner.pk if measure.owner else None,
                        measure.owner_text,
                    )
                planned.changed_measures.append(old)
        if len(current) > len(planned.source.measures) and planned.source.measures:
            self.plan.notes.append(
                f"第{planned.source.row}行：系统中的措施比文件多"
                f"（{len(current)} 条对 {len(planned.source.measures)} 条），多出的措施保留不删。"
            )


MEASURE_CHANGE = "措施 "  # the preview's name of a measure's change: 措施 2


def _is_frozen_change(change):
    """The result text and the measures are frozen while a finding awaits sign-off."""
    return change.field == COLUMNS["result"] or change.field.startswith(MEASURE_CHANGE)


def _category_key(value):
    return CATEGORY_NOISE_RE.sub("", compact(value))


# A category as written with its list's number or marks: "1.选人用人" / "（一）党的建设".
CATEGORY_NOISE_RE = re.compile(
    r"^[（(][一二三四五六七八九十\d]+[)）]|^[一二三四五六七八九十\d]+[.、．]|[·•・]"
)


def _new_measure(finding, position, measure):
    """An unsaved measure; for a finding being created, apply sets finding_id later."""
    return Measure(
        finding_id=finding.pk,
        position=position,
        text=measure.text,
        owner_id=measure.owner.pk if measure.owner else None,
        owner_text=measure.owner_text,
    )


def _shown(value, field_name):
    if value is None:
        return ""
    if field_name == "kind":
        return KIND_LABELS[value]
    return str(value)


def plan_import(*, inspection, sheet):
    """Compare the sheet with the inspection; nothing is written."""
    with collection_paused():
        return _Planner(inspection, sheet).run()
