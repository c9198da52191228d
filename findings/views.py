from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import categories, selectors
from .access import access_for, finding_for, inspection_for
from .forms import CategoryForm, FindingFilterForm


@login_required
def inspection_list(request):
    inspections = selectors.inspections_for(access_for(request))
    return render(request, "findings/inspection_list.html", {"inspections": inspections})


def _filtered(request, inspection):
    """The ledger's filter form from the URL and the findings it selects: one reading of
    the filters for the list and its print view."""
    areas = list(inspection.areas.all())
    people = list(selectors.people_of_organisation(inspection.organisation))
    form = FindingFilterForm(request.GET or None, areas=areas, people=people)
    filters = form.cleaned_data if form.is_valid() else {}
    findings = selectors.findings_of_inspection(inspection, **filters)
    return form, filters, findings


@login_required
def inspection_detail(request, code):
    inspection, access = inspection_for(request, code)
    form, filters, findings = _filtered(request, inspection)
    return render(
        request,
        "findings/inspection_detail.html",
        {
            "inspection": inspection,
            "access": access,
            "form": form,
            "findings": findings,
            "is_filtered": any(filters.values()),
        },
    )


@login_required
@require_POST
def finding_category(request, code, pk):
    """File the finding under a category: the unit's principal, the office's 督办 staff."""
    finding, access = finding_for(request, code, pk)
    panel = categories.category_panel(finding=finding, user=request.user, access=access.access)
    if panel is None:
        raise Http404
    if not panel.may_change:
        raise PermissionDenied
    back = redirect("findings:finding_detail", code, finding.pk)
    form = CategoryForm(request.POST, panel=panel)
    if not form.is_valid():
        messages.error(request, _("Please choose one of the office's problem categories."))
        return back
    try:
        categories.set_category(finding=finding, by=request.user, **form.cleaned_data)
    except categories.NotPermitted as refused:
        raise PermissionDenied from refused
    except categories.CategoryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Problem category saved."))
    return back


@login_required
def ledger_print(request, code):
    """Every row of the ledger's current filter on one page for printing (A4 landscape,
    static/css/print.css), up to PRINT_MAX_FINDINGS rows; the page says when it stops."""
    inspection, access = inspection_for(request, code)
    form, filters, findings = _filtered(request, inspection)
    limit = settings.PRINT_MAX_FINDINGS
    rows = list(findings[: limit + 1])
    return render(
        request,
        "findings/ledger_print.html",
        {
            "inspection": inspection,
            "access": access,
            "form": form,
            "findings": rows[:limit],
            "truncated": len(rows) > limit,
            "limit": limit,
            "is_filtered": any(filters.values()),
            "printed_at": timezone.localtime(),
        },
    )
