"""The reviewer's side of the finding page: checking what was seen, confirming, signing
off several findings at once, and extension requests (延期申请)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from findings.access import access_for, finding_for
from findings.models import Finding
from findings.selectors import inspections_for
from findings.workflow import SUBMITTER, label_of, transition_for
from rectify.confirm import confirmation_page, is_confirmed
from rectify.posted import as_number

from . import extensions, selectors, services
from .forms import ExtensionDecisionForm, ExtensionRequestForm
from .models import ExtensionRequest
from .pages import render_finding


def _back(finding):
    return redirect("findings:finding_detail", finding.area.inspection.code, finding.pk)


def _number(finding):
    return f"{finding.area.position}.{finding.number}"


def render_stale(request, finding, access, seen_version):
    """The finding page with what changed since the version the reviewer saw (409)."""
    finding.refresh_from_db()
    return render_finding(
        request,
        finding,
        access,
        conflict=selectors.changes_since(finding, seen_version),
        status=409,
    )


def check_review(request, finding, access, action, version):
    """Before a review step is confirmed or taken: a response refusing it, or None.

    Not possible now → a message; not this person's step → 403; no version or a newer
    one than the reviewer saw → the finding page with what changed (409)."""
    if transition_for(finding, action) is None:
        messages.error(
            request,
            _("“%(action)s” is not possible while the finding is “%(status)s”.")
            % {"action": label_of(action), "status": finding.get_status_display()},
        )
        return _back(finding)
    if not access.may_take(action, submitter=services.submitter_of(finding)):
        raise PermissionDenied
    if version is None:
        messages.error(request, _("Open the finding again: the form did not say what you saw."))
        return _back(finding)
    if version != finding.version:
        messages.warning(
            request,
            _(
                "The finding changed after you opened it; nothing was done. "
                "Check the changes below, then decide again."
            ),
        )
        return render_stale(request, finding, access, version)
    return None


def confirm_step(request, finding, action, reason):
    """The confirmation page of an irreversible step (nothing written yet)."""
    details = [
        (_("Finding"), f"{_number(finding)} {finding.statement}"),
        (_("Result (public)"), finding.result or "—"),
        (_("Version"), str(finding.version)),
    ]
    if reason:
        details.append((_("Reason"), reason))
    return confirmation_page(
        request,
        title=str(label_of(action)),
        question=_("This step is recorded in the ledger and cannot be undone. Go ahead?"),
        details=details,
        button=str(label_of(action)),
        back_url=_back(finding).url,
        danger=action == "reopen",
    )


# --- bulk sign-off -------------------------------------------------------------------------


def _selected(request):
    """[(pk, version seen)] of the ticked findings (the list carries each one's version)."""
    selected = []
    for value in request.POST.getlist("finding"):
        pk = as_number(value)
        if pk is not None:
            selected.append((pk, as_number(request.POST.get(f"version-{value}"))))
    return selected


@login_required
@require_POST
def bulk_sign_off(request):
    """Sign off the ticked findings of 我的工作 after one confirmation.

    Each is checked as if alone; those refused are reported by number with the reason
    while the others go through (one transaction, a savepoint per finding)."""
    access = access_for(request)
    selected = dict(_selected(request))
    findings = list(
        Finding.objects.filter(
            pk__in=list(selected), area__inspection__in=inspections_for(access)
        ).select_related("area__inspection")
    )
    if not findings:
        raise Http404
    submitters = services.submitters_of(findings)
    if not any(access.may_take("sign_off", f, submitter=submitters.get(f.pk)) for f in findings):
        raise PermissionDenied
    findings.sort(key=lambda f: (f.area.inspection.code, f.area.position, f.number))
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Sign off several findings"),
            question=_(
                "Each finding below is signed off as complete with its own ledger entry, "
                "as if alone. Go ahead?"
            ),
            details=[(_number(f), f"{f.statement}\n{f.result or '—'}") for f in findings],
            button=_("Sign off %(count)d findings") % {"count": len(findings)},
            back_url=redirect("ledger:my_work").url,
        )
    entries, failures = services.sign_off_many(
        items=[(f, selected[f.pk]) for f in findings], by=request.user
    )
    if entries:
        messages.success(
            request,
            _("Signed off: %(numbers)s.")
            % {"numbers": "、".join(_number(e.finding) for e in entries)},
        )
    for finding, reason in failures:
        messages.error(request, f"{_number(finding)}：{reason}")
    return redirect("ledger:my_work")


# --- extension requests ------------------------------------------------------------------


def _run(request, finding, write, success):
    try:
        write()
    except services.NotPermitted as refused:
        raise PermissionDenied(str(refused)) from refused
    except services.LedgerError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success)
    return _back(finding)


@login_required
@require_POST
def extension_ask(request, code, pk):
    finding, access = finding_for(request, code, pk, need="write")
    if not access.is_actor(SUBMITTER):
        raise PermissionDenied
    form = ExtensionRequestForm(request.POST, prefix="x")
    if not form.is_valid():
        return render_finding(request, finding, access, bound={"extension": form}, status=400)

    def write():
        extensions.extension_request(
            finding=finding,
            by=request.user,
            new_deadline=form.cleaned_data["new_deadline"],
            reason=form.cleaned_data["reason"],
        )

    return _run(request, finding, write, _("Extension requested; the leader decides."))


@login_required
@require_POST
def extension_decide(request, code, pk, request_pk, action):
    steps = {
        "approve": (extensions.extension_approve, _("Extension approved: the deadline moved.")),
        "refuse": (extensions.extension_refuse, _("Extension refused.")),
        "withdraw": (extensions.extension_withdraw, _("Extension request withdrawn.")),
    }
    if action not in steps:
        raise Http404
    finding, access = finding_for(request, code, pk, need="write")
    extension = get_object_or_404(ExtensionRequest, pk=request_pk, finding=finding)
    form = ExtensionDecisionForm(request.POST, prefix="d")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    step, success = steps[action]

    def write():
        if action == "withdraw":
            step(request=extension, by=request.user)
        else:
            step(request=extension, by=request.user, reason=reason)

    return _run(request, finding, write, success)
