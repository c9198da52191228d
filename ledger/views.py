from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from findings import editing
from findings.access import SIGN_OFF_ROLES, access_for, finding_for, inspection_for
from findings.models import Measure, Organisation, Role
from findings.selectors import finding_history, people_of_organisation
from findings.workflow import ACTIONS

from . import selectors, services
from .evidence_response import evidence_response
from .forms import (
    FindingEditForm,
    MeasureDoneForm,
    MeasureForm,
    ProgressForm,
    TransitionForm,
)
from .landing import landing
from .models import Evidence


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
    workspace.transition_form = bound.get("transition") or TransitionForm(prefix="t")
    return workspace


def _measures(finding):
    return finding.measures.select_related("owner").order_by("position")


def _render_finding(request, finding, access, *, bound=None, conflict=None, status=200):
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


@login_required
def finding_detail(request, code, pk):
    finding, access = finding_for(request, code, pk)
    return _render_finding(request, finding, access)


def _back(finding):
    return redirect("findings:finding_detail", finding.area.inspection.code, finding.pk)


def _open_for_editing(request, code, pk):
    """The finding and its access for an edit (404 / 403 as due), and a refusal if signed off."""
    finding, access = finding_for(request, code, pk, need="edit")
    return finding, access, _refuse_if_signed_off(request, finding)


def _refuse_if_signed_off(request, finding):
    """Signed-off findings are read-only: say so and change nothing."""
    try:
        editing.refuse_if_signed_off(finding)
    except editing.SignedOff as refused:
        messages.error(request, str(refused))
        return _back(finding)
    return None


def _run(request, finding, write, *, success, on_stale=None):
    """Call a service: done → message and back; refused → 403 or the reason as a message.

    A stale edit form (services.StaleVersion) is answered by `on_stale`.
    """
    try:
        write()
    except services.StaleVersion as stale:
        return on_stale(stale)
    except services.NotPermitted as refused:
        raise PermissionDenied(str(refused)) from refused
    except services.LedgerError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success)
    return _back(finding)


# --- the finding page's forms ----------------------------------------------------------------


@login_required
@require_POST
def add_progress(request, code, pk):
    finding, access, refused = _open_for_editing(request, code, pk)
    if refused:
        return refused
    form = ProgressForm(request.POST, request.FILES, prefix="progress")
    if not form.is_valid():
        return _render_finding(request, finding, access, bound={"progress": form}, status=400)
    data = form.cleaned_data

    def write():
        services.add_progress(
            finding=finding,
            by=request.user,
            on_date=data["on_date"],
            text=data["text"],
            files=data["files"],
        )

    return _run(request, finding, write, success=_("Progress recorded."))


def _stale(request, finding, access, form_key, form_class, exc, **form_kwargs):
    """Re-show the user's input with the current version and the changes made meanwhile."""
    data = request.POST.copy()
    data[f"{form_key}-version"] = str(exc.current_version)
    form = form_class(data, prefix=form_key, **form_kwargs)
    form.is_valid()
    finding.refresh_from_db()
    messages.warning(request, str(exc))
    return _render_finding(
        request,
        finding,
        access,
        bound={form_key: form},
        conflict=selectors.changes_since(finding, exc.opened_version),
        status=409,
    )


@login_required
@require_POST
def edit_finding(request, code, pk):
    finding, access, refused = _open_for_editing(request, code, pk)
    if refused:
        return refused
    form = FindingEditForm(request.POST, prefix="edit")
    if not form.is_valid():
        return _render_finding(request, finding, access, bound={"edit": form}, status=400)
    data = form.cleaned_data

    def write():
        services.update_finding(
            finding=finding,
            by=request.user,
            version=data["version"],
            result=data["result"],
            deadline=data["deadline"],
            kind=data["kind"],
        )

    return _run(
        request,
        finding,
        write,
        success=_("Finding saved."),
        on_stale=lambda stale: _stale(request, finding, access, "edit", FindingEditForm, stale),
    )


def _people(finding):
    return list(people_of_organisation(finding.area.inspection.organisation))


@login_required
@require_POST
def add_measure(request, code, pk):
    finding, access, refused = _open_for_editing(request, code, pk)
    if refused:
        return refused
    form = MeasureForm(request.POST, people=_people(finding), prefix="new")
    if not form.is_valid():
        return _render_finding(request, finding, access, bound={"new_measure": form}, status=400)
    data = form.cleaned_data

    def write():
        services.add_measure(
            finding=finding,
            by=request.user,
            text=data["text"],
            owner=data["owner"],
            deadline=data["deadline"],
        )

    return _run(request, finding, write, success=_("Measure added."))


def _measure(finding, measure_pk):
    return get_object_or_404(Measure, pk=measure_pk, finding=finding)


@login_required
@require_POST
def edit_measure(request, code, pk, measure_pk):
    finding, access, refused = _open_for_editing(request, code, pk)
    if refused:
        return refused
    measure = _measure(finding, measure_pk)
    key = f"m{measure.pk}"
    people = _people(finding)
    form = MeasureForm(request.POST, people=people, prefix=key)
    if not form.is_valid():
        return _render_finding(request, finding, access, bound={key: form}, status=400)
    data = form.cleaned_data

    def write():
        services.update_measure(
            measure=measure,
            by=request.user,
            version=data["version"],
            text=data["text"],
            owner=data["owner"],
            deadline=data["deadline"],
        )

    return _run(
        request,
        finding,
        write,
        success=_("Measure saved."),
        on_stale=lambda stale: _stale(
            request, finding, access, key, MeasureForm, stale, people=people
        ),
    )


@login_required
@require_POST
def complete_measure(request, code, pk, measure_pk):
    finding, access, refused = _open_for_editing(request, code, pk)
    if refused:
        return refused
    measure = _measure(finding, measure_pk)
    form = MeasureDoneForm(request.POST, prefix="done")
    if not form.is_valid():
        messages.error(request, _("Give the date the measure was completed."))
        return _back(finding)

    def write():
        services.complete_measure(
            measure=measure, by=request.user, done_on=form.cleaned_data["done_on"]
        )

    return _run(request, finding, write, success=_("Measure marked complete."))


@login_required
@require_POST
def move_measure(request, code, pk, measure_pk, direction):
    if direction not in ("up", "down"):
        raise Http404
    finding, access, refused = _open_for_editing(request, code, pk)
    if refused:
        return refused
    measure = _measure(finding, measure_pk)

    def write():
        services.move_measure(measure=measure, by=request.user, up=direction == "up")

    return _run(request, finding, write, success=_("Measures reordered."))


@login_required
@require_POST
def take_action(request, code, pk, action):
    if action not in ACTIONS:
        raise Http404
    # Inspectors are refused here; the service asks the policy about this action.
    finding, _access = finding_for(request, code, pk, need="write")
    form = TransitionForm(request.POST, prefix="t")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def write():
        services.transition(finding=finding, by=request.user, action=action, reason=reason)

    done = {
        "start": _("Work started."),
        "submit": _("Submitted for sign-off."),
        "endorse": _("Endorsed; the principal signs off next."),
        "sign_off": _("Signed off."),
        "sign_off_ongoing": _("Signed off as ongoing."),
        "return": _("Returned with your reason."),
        "reopen": _("Reopened."),
    }[action]
    return _run(request, finding, write, success=done)


# --- evidence ---------------------------------------------------------------------------------


@login_required
def evidence_download(request, code, public_id):
    inspection, _access = inspection_for(request, code)
    evidence = get_object_or_404(
        Evidence, public_id=public_id, entry__finding__area__inspection=inspection
    )
    return evidence_response(evidence, download="download" in request.GET)


# --- 我的工作 and the dashboard ------------------------------------------------------------------


@login_required
def home(request):
    """`/`: the principal's unit, the inspector's and the office's units; 我的工作 for
    everyone else (ledger.landing)."""
    access = access_for(request)
    page = landing(access)
    if page.is_empty:
        return redirect("ledger:my_work")
    awaiting, managed = None, []
    if Role.PRINCIPAL in access.roles.values():
        awaiting = selectors.awaiting_sign_off(access).count()
        managed = Organisation.objects.filter(
            pk__in=[unit for unit, role in access.roles.items() if role == Role.PRINCIPAL]
        )
    return render(
        request,
        "ledger/home.html",
        {"landing": page, "awaiting": awaiting, "managed": managed},
    )


@login_required
def my_work(request):
    access = access_for(request)
    work = selectors.my_work(access)
    # Only those who may sign something off see what awaits their sign-off.
    signs_off = bool(SIGN_OFF_ROLES & set(access.roles.values()))
    return render(request, "ledger/my_work.html", {"work": work, "signs_off": signs_off})


@login_required
@require_POST
def notifications_read(request):
    services.mark_notifications_read(user=request.user)
    return redirect("ledger:my_work")


@login_required
def dashboard(request, code):
    inspection, access = inspection_for(request, code)
    return render(
        request,
        "ledger/dashboard.html",
        {
            "inspection": inspection,
            "access": access,
            "board": selectors.dashboard(inspection),
        },
    )
