from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from findings import editing
from findings.access import access_for, finding_for, inspection_for
from findings.models import Measure, Organisation, Role
from findings.selectors import people_of_organisation
from findings.workflow import ACTIONS, CONFIRMED_ACTIONS, REVIEW_ACTIONS
from rectify.confirm import is_confirmed
from rectify.pages import page_of
from rectify.posted import as_number, as_text

from . import filters, names, review, selectors, services
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
from .pages import render_finding


@login_required
def finding_detail(request, code, pk):
    finding, access = finding_for(request, code, pk)
    return render_finding(request, finding, access)


def _back(finding):
    return redirect("findings:finding_detail", finding.area.inspection.code, finding.pk)


def _open_for_editing(request, code, pk):
    """The finding and its access for an edit (404 / 403 as due), and a refusal if signed off."""
    finding, access = finding_for(request, code, pk, need="edit")
    return finding, access, _refuse_if_signed_off(request, finding)


def _refuse_if_signed_off(request, finding):
    """Signed-off findings are read-only, findings awaiting sign-off frozen: say so and
    change nothing."""
    try:
        editing.refuse_if_signed_off(finding)
        editing.refuse_if_frozen(finding)
    except editing.FindingEditError as refused:
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
        return render_finding(request, finding, access, bound={"progress": form}, status=400)
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
    return render_finding(
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
    form = FindingEditForm(request.POST, prefix="edit", current=finding)
    if not form.is_valid():
        return render_finding(request, finding, access, bound={"edit": form}, status=400)
    data = form.cleaned_data

    def write():
        services.update_finding(
            finding=finding,
            by=request.user,
            version=data["version"],
            result=data["result"],
            # only a finding without a deadline has the field (its first deadline)
            deadline=data["deadline"] if "deadline" in form.fields else editing.UNCHANGED,
            kind=data["kind"],
        )

    return _run(
        request,
        finding,
        write,
        success=_("Finding saved."),
        on_stale=lambda stale: _stale(
            request, finding, access, "edit", FindingEditForm, stale, current=finding
        ),
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
        return render_finding(request, finding, access, bound={"new_measure": form}, status=400)
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
        return render_finding(request, finding, access, bound={key: form}, status=400)
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
    finding, access = finding_for(request, code, pk, need="write")
    form = TransitionForm(request.POST, prefix="t")
    valid = form.is_valid()
    reason = form.cleaned_data["reason"] if valid else ""
    version = form.cleaned_data["version"] if valid else None
    if action in REVIEW_ACTIONS:
        asked = review.check_review(request, finding, access, action, version)
        if asked is not None:
            return asked
        if action in CONFIRMED_ACTIONS and not is_confirmed(request):
            return review.confirm_step(request, finding, action, reason)
    elif action in CONFIRMED_ACTIONS and not is_confirmed(request):
        if not access.may_take(action):
            raise PermissionDenied
        return review.confirm_step(request, finding, action, reason)

    def write():
        services.transition(
            finding=finding, by=request.user, action=action, reason=reason, version=version
        )

    def on_stale(stale):
        messages.warning(request, str(stale))
        return review.render_stale(request, finding, access, stale.opened_version)

    done = {
        "start": _("Work started."),
        "submit": _("Submitted for sign-off."),
        "endorse": _("Endorsed; the principal signs off next."),
        "sign_off": _("Signed off."),
        "sign_off_ongoing": _("Signed off as ongoing."),
        "return": _("Returned with your reason."),
        "reopen": _("Reopened."),
        "withdraw": _("Submission withdrawn; the finding can be changed again."),
    }[action]
    return _run(request, finding, write, success=done, on_stale=on_stale)


# --- evidence ---------------------------------------------------------------------------------


@login_required
def evidence_download(request, code, public_id):
    inspection, _access = inspection_for(request, code)
    evidence = get_object_or_404(
        Evidence, public_id=public_id, entry__finding__area__inspection=inspection
    )
    return evidence_response(evidence, download="download" in request.GET)


# --- the ledger list ------------------------------------------------------------------------


@login_required
def ledger_list(request, code):
    """The findings of one inspection: search, filters with counts, 50 a page."""
    inspection, access = inspection_for(request, code)
    scope = selectors.inspection_scope(inspection)
    form = filters.FilterForm(request.GET, filters=filters.LEDGER_FILTERS, scope=scope)
    result = filters.apply(selectors.ledger_findings(scope), form)
    page = page_of(request, selectors.ledger_order(result.findings), count=result.total)
    page.object_list = selectors.rows_of(list(page.object_list), scope.today, co_responsible=True)
    return render(
        request,
        "findings/inspection_detail.html",
        {
            "inspection": inspection,
            "access": access,
            "form": form,
            "result": result,
            "page": page,
            "findings": page,
            "is_filtered": result.is_filtered,
        },
    )


@login_required
def ledger_print(request, code):
    """Every row of the ledger's current filter on one page for printing (A4 landscape,
    static/css/print.css), up to PRINT_MAX_FINDINGS rows; the page says when it stops."""
    inspection, access = inspection_for(request, code)
    scope = selectors.inspection_scope(inspection)
    form = filters.FilterForm(request.GET, filters=filters.LEDGER_FILTERS, scope=scope)
    result = filters.apply(selectors.ledger_findings(scope), form)
    limit = settings.PRINT_MAX_FINDINGS
    ids = list(selectors.ledger_order(result.findings)[: limit + 1])
    return render(
        request,
        "findings/ledger_print.html",
        {
            "inspection": inspection,
            "access": access,
            "form": form,
            "findings": selectors.rows_of(ids[:limit], scope.today, co_responsible=True),
            "truncated": len(ids) > limit,
            "limit": limit,
            "is_filtered": result.is_filtered,
            "search": result.text,
            # the filters in use, named above the table: [(filter label, [option labels])]
            "chosen": [
                (facet.filter.label, [o.label for o in facet.options if o.selected])
                for facet in result.facets
                if facet.filter.name in result.selected
            ],
            "printed_at": timezone.localtime(),
        },
    )


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
    # Each section shows only when it holds something: staff see no 待我销号 0.
    work = selectors.my_work(access_for(request), only=request.GET.get("only", ""))
    return render(request, "ledger/my_work.html", {"work": work})


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


@login_required
def unlinked_names(request, code):
    """Names kept as text on the inspection's findings, and the form to link each one."""
    inspection, access = inspection_for(request, code, need="add_members")
    context = {
        "inspection": inspection,
        "access": access,
        "names": names.unlinked_names(inspection),
        "people": people_of_organisation(inspection.organisation),
    }
    return render(request, "ledger/unlinked_names.html", context)


@login_required
@require_POST
def link_name(request, code):
    inspection, _access = inspection_for(request, code, need="add_members")
    name = as_text(request.POST.get("name"))
    chosen = as_number(request.POST.get("user"))
    people = people_of_organisation(inspection.organisation)
    user = people.filter(pk=chosen).first() if chosen is not None else None
    if not name or user is None:
        messages.error(request, _("Choose a name and the member to link it to."))
        return redirect("ledger:unlinked_names", code)
    try:
        changed, kept = names.name_link(
            inspection=inspection, name=name, user=user, by=request.user
        )
    except names.NameLinkError as error:
        messages.error(request, str(error))
        return redirect("ledger:unlinked_names", code)
    messages.success(
        request,
        _("“%(name)s” is now %(user)s on %(count)d findings.")
        % {"name": name, "user": user, "count": len(changed)},
    )
    if kept:
        messages.warning(
            request,
            _("%(count)d signed-off findings keep the name as text.") % {"count": kept},
        )
    return redirect("ledger:unlinked_names", code)
