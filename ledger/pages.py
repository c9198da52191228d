"""The finding page: its workspace (timeline, actions, forms) and its rendering."""

from django.shortcuts import render

from findings.selectors import finding_history, people_of_organisation

from . import selectors
from .forms import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    FindingEditForm,
    MeasureForm,
    ProgressForm,
    TransitionForm,
)


def build_workspace(*, finding, access, measures, history, bound=None, conflict=None):
    """The finding page's workspace: timeline, actions and forms (bound ones kept as given)."""
    bound = bound or {}
    workspace = selectors.finding_workspace(
        finding=finding, access=access, history=history, conflict=conflict
    )
    if workspace.may_edit:
        people = list(people_of_organisation(finding.area.inspection.organisation))
        workspace.forms = {
            "progress": bound.get("progress") or ProgressForm(prefix="progress"),
            "edit": bound.get("edit") or FindingEditForm.for_finding(finding),
            "new_measure": bound.get("new_measure")
            or MeasureForm(initial={"version": finding.version}, people=people, prefix="new"),
        }
        workspace.measure_rows = [
            (
                measure,
                bound.get(f"m{measure.pk}")
                or MeasureForm.for_measure(measure, finding=finding, people=people),
            )
            for measure in measures
        ]
    else:
        workspace.measure_rows = [(measure, None) for measure in measures]
    workspace.transition_form = bound.get("transition") or TransitionForm(
        initial={"version": finding.version}, prefix="t"
    )
    if workspace.may_ask_extension:
        workspace.forms["extension"] = bound.get("extension") or ExtensionRequestForm(prefix="x")
    if workspace.may_decide_extension:
        workspace.forms["decision"] = ExtensionDecisionForm(prefix="d")
    return workspace


def _measures(finding):
    return finding.measures.select_related("owner").order_by("position")


def render_finding(request, finding, access, *, bound=None, conflict=None, status=200):
    """The finding page, maybe again with the user's bound form(s) and what changed meanwhile."""
    measures = list(_measures(finding))
    history = finding_history(finding)
    workspace = build_workspace(
        finding=finding,
        access=access,
        measures=measures,
        history=history,
        bound=bound,
        conflict=conflict,
    )
    context = {
        "inspection": finding.area.inspection,
        "access": access,
        "finding": finding,
        "measures": measures,
        "history": history,
        "workspace": workspace,
    }
    return render(request, "ledger/finding_detail.html", context, status=status)
