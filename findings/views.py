from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rectify.pages import page_of

from . import selectors
from .access import access_for


@login_required
def inspection_list(request):
    inspections = selectors.inspections_for(access_for(request)).order_by("-feedback_date", "code")
    page = page_of(request, inspections)
    return render(request, "findings/inspection_list.html", {"inspections": page, "page": page})
