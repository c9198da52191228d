from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.pages import page_of

from . import categories, selectors
from .access import access_for, finding_for
from .forms import CategoryForm


@login_required
def inspection_list(request):
    inspections = selectors.inspections_for(access_for(request)).order_by("-feedback_date", "code")
    page = page_of(request, inspections)
    return render(request, "findings/inspection_list.html", {"inspections": page, "page": page})


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
