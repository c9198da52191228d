"""What an import would do: the plan the planner makes and the apply step writes.

`ImportPlan` lists the findings to create, to update and left unchanged, the errors and
warnings, and what the sheet said that was not imported as such; `summary` is its
account for the preview page, the job's report and the command.
"""

from dataclasses import dataclass, field

from findings.models import Area, Finding, Inspection

from .people import join_names
from .reader import Sheet, SheetFinding


@dataclass
class Change:
    field: str  # the column's header, as in the sheet
    old: str
    new: str


@dataclass
class PlannedFinding:
    source: SheetFinding
    finding: Finding  # unsaved for a creation; the updated copy for an update
    area_title: str
    changes: list = field(default_factory=list)
    new_measures: list = field(default_factory=list)  # unsaved Measure, finding set later
    changed_measures: list = field(default_factory=list)
    changed_fields: set = field(default_factory=set)
    history_notes: list = field(default_factory=list)  # kept in the change reason
    area: Area | None = None  # a created finding's area (maybe created by the same import)
    co_responsible: set | None = None  # user ids to set, None: unchanged
    co_before: set = field(default_factory=set)  # user ids co-responsible until now


@dataclass
class ImportPlan:
    inspection: Inspection
    sheet: Sheet
    new_areas: list = field(default_factory=list)
    to_create: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # Findings not in the file
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # RowError that do not stop the import
    notes: list = field(default_factory=list)
    readings: dict = field(default_factory=dict)  # (header, word) → [label, rows]
    unknown_people: dict = field(default_factory=dict)  # name as written → [rows]
    unknown_leaders: set = field(default_factory=set)  # those named as 责任领导
    claims: int = 0  # new findings the sheet says are done, imported awaiting sign-off

    @property
    def has_changes(self):
        return bool(self.new_areas or self.to_create or self.to_update)

    def claim_notes(self):
        notes = []
        if self.unknown_people:
            names = join_names(list(self.unknown_people)[:50])
            notes.append(
                f"{len(self.unknown_people)} 个姓名在本单位没有账号（{names}）："
                "照常导入，姓名作为文字保存在问题上，可稍后关联账号。"
            )
        if not self.claims:
            return notes
        return notes + [
            f"{self.claims} 个新问题在表中标为已完成或已销号：导入为“待销号”，"
            "须由领导核实后销号，导入不会销号。"
        ]

    def summary(self, limit=200):
        """A JSON-able account of the plan for the preview page and the command."""

        def finding_row(planned):
            f = planned.finding
            return {
                "row": planned.source.row,
                "area": planned.area_title,
                "number": f.number,
                "statement": f.statement,
                "measures": len(planned.source.measures),
                "changes": [vars(c) for c in planned.changes],
            }

        return {
            "rows": self.sheet.rows,
            "header_row": self.sheet.header_row,
            "counts": {
                "create": len(self.to_create),
                "update": len(self.to_update),
                "unchanged": len(self.unchanged),
                "missing": len(self.missing),
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "new_areas": len(self.new_areas),
            },
            "new_areas": [area.title for area in self.new_areas],
            "create": [finding_row(p) for p in self.to_create[:limit]],
            "update": [finding_row(p) for p in self.to_update[:limit]],
            "unchanged": [finding_row(p) for p in self.unchanged[:limit]],
            "missing": [
                {"area": f.area.title, "number": f.number, "statement": f.statement}
                for f in self.missing[:limit]
            ],
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings[:1000]],
            "unknown_people": [
                {
                    "name": name,
                    "rows": rows[:20],
                    "count": len(rows),
                    "leader": name in self.unknown_leaders,
                }
                for name, rows in self.unknown_people.items()
            ],
            "readings": [
                {"header": header, "word": word, "read_as": label, "rows": rows}
                for (header, word), (label, rows) in self.readings.items()
            ],
            "notes": self.sheet.notes + self.notes + self.claim_notes(),
        }
