"""Names kept as text on findings (from an imported ledger), linked to accounts later.

An import keeps a name without an account as written (responsible_leader_text,
responsible_person_text, a measure's owner_text). Once the person has an account in the
unit, the principal links the name: on every open finding of the inspection it names,
the account takes the place of the text (the responsible leader or person where that
place is empty, else a co-responsible person; a measure's owner), with the history's
who and why; co-responsible people are told as on an import. Signed-off findings are
read-only and keep the text (findings.editing).
"""

from django.db import transaction

from findings import editing
from findings.models import Finding, Measure, Membership
from findings.signals import co_responsible_added

SEPARATOR = "、"  # as sheets.people.join_names writes them


class NameLinkError(editing.FindingEditError):
    """The name cannot be linked to this account (the message says why)."""


def _parts(text):
    return [part for part in text.split(SEPARATOR) if part]


def unlinked_names(inspection):
    """{name: number of findings naming it} of the names kept as text in the inspection:
    two queries."""
    counts = {}
    findings = Finding.objects.filter(area__inspection=inspection).values_list(
        "pk", "responsible_leader_text", "responsible_person_text"
    )
    named = {}
    for pk, leader_text, person_text in findings:
        for name in _parts(leader_text) + _parts(person_text):
            named.setdefault(name, set()).add(pk)
    owners = Measure.objects.filter(finding__area__inspection=inspection).exclude(owner_text="")
    for finding_id, owner_text in owners.values_list("finding_id", "owner_text"):
        for name in _parts(owner_text):
            named.setdefault(name, set()).add(finding_id)
    for name, pks in sorted(named.items()):
        counts[name] = len(pks)
    return counts


def _without(text, name):
    return SEPARATOR.join(part for part in _parts(text) if part != name)


def name_link(*, inspection, name, user, by):
    """Put `user` (a member of the unit) where `name` is kept as text; returns
    (findings changed, signed-off findings left as they are)."""
    reason = f"关联姓名：{name} → {user}"
    with transaction.atomic():
        if not Membership.objects.filter(user=user, organisation=inspection.organisation).exists():
            raise NameLinkError("只能关联本单位成员的账号。")
        findings = list(
            Finding.objects.select_for_update()
            .filter(area__inspection=inspection)
            .prefetch_related("co_responsible")
            .order_by("pk")
        )
        measures = {}
        for measure in (
            Measure.objects.select_for_update()
            .filter(finding__area__inspection=inspection)
            .exclude(owner_text="")
        ):
            if name in _parts(measure.owner_text):
                measures.setdefault(measure.finding_id, []).append(measure)
        changed, kept, added = [], 0, {}
        for finding in findings:
            names_it = name in _parts(finding.responsible_leader_text) or name in _parts(
                finding.responsible_person_text
            )
            if not names_it and finding.pk not in measures:
                continue
            if finding.is_signed_off:
                kept += 1
                continue
            fields = []
            for place in ("responsible_leader", "responsible_person"):
                text = getattr(finding, f"{place}_text")
                if name not in _parts(text):
                    continue
                setattr(finding, f"{place}_text", _without(text, name))
                fields.append(f"{place}_text")
                if getattr(finding, f"{place}_id") is None:
                    setattr(finding, place, user)
                    fields.append(place)
                elif user.pk not in (
                    finding.responsible_leader_id,
                    finding.responsible_person_id,
                    *(u.pk for u in finding.co_responsible.all()),
                ):
                    added.setdefault(finding.pk, set()).add(user.pk)
            for measure in measures.get(finding.pk, []):
                measure.owner_text = _without(measure.owner_text, name)
                if measure.owner_id is None:
                    measure.owner = user
                measure._change_reason, measure._history_user = reason, by
                measure.save(update_fields=["owner", "owner_text"])
            editing.save_edit(finding, fields, reason=reason, by=by)
            changed.append(finding)
        through = Finding.co_responsible.through
        through.objects.bulk_create(
            through(finding_id=finding_id, user_id=user_id)
            for finding_id, users in added.items()
            for user_id in users
        )
        if added:
            co_responsible_added.send(sender=Finding, added=added, by=by)
    return changed, kept
