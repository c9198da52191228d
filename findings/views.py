from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors
from .forms import FindingFilterForm


@login_required
def inspection_list(request):
    inspections = selectors.inspections_for_user(request.user)
    return render(request, "findings/inspection_list.html", {"inspections": inspections})


@login_required
def inspection_detail(request, code):
    inspection, membership = selectors.get_inspection_for_user(request.user, code)
    areas = list(inspection.areas.all())
    people = list(selectors.people_of_organisation(inspection.organisation))
    form = FindingFilterForm(request.GET or None, areas=areas, people=people)
    filters = form.cleaned_data if form.is_valid() else {}
    findings = selectors.findings_of_inspection(inspection, **filters)
    return render(
        request,
        "findings/inspection_detail.html",
        {
            "inspection": inspection,
            "membership": membership,
            "form": form,
            "findings": findings,
            "is_filtered": any(filters.values()),
        },
    )


@login_required
def finding_detail(request, code, pk):
    finding, membership = selectors.get_finding_for_user(request.user, code, pk)
    measures = finding.measures.select_related("owner")
    return render(
        request,
        "findings/finding_detail.html",
        {
            "inspection": finding.area.inspection,
            "membership": membership,
            "finding": finding,
            "measures": measures,
            "history": selectors.finding_history(finding),
        },
    )
