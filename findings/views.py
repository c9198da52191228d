from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors
from .access import access_for, inspection_for
from .forms import FindingFilterForm


@login_required
def inspection_list(request):
    inspections = selectors.inspections_for(access_for(request))
    return render(request, "findings/inspection_list.html", {"inspections": inspections})


@login_required
def inspection_detail(request, code):
    inspection, access = inspection_for(request, code)
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
            "access": access,
            "form": form,
            "findings": findings,
            "is_filtered": any(filters.values()),
        },
    )
