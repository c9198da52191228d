import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from findings.models import OfficeRole, ProblemCategory
from findings.selectors import findings_of_inspection
from ledger.evidence_response import evidence_response
from ledger.selectors import mark_rows
from rectify.pages import page_of
from reports import freezing, word
from reports import render as notice_render

from . import categories, dashboard, selectors, services, summary
from .export import dashboard_workbook
from .forms import BehindForm, CategoryNameForm, IssueForm, StepForm
from .models import ReplyEvidence, RoundSummary


@login_required
def office_home(request):
    """The offices the user belongs to, with their rounds; open 督办 to the user's units."""
    orders = page_of(request, selectors.open_orders_of_my_units(request.user))
    return render(
        request,
        "oversight/office_home.html",
        {
            "memberships": selectors.office_memberships(request.user),
            "orders": orders,
            "page": orders,
        },
    )


@login_required
def unit_orders(request, code):
    """The 督办 of one unit's inspection: for the unit's members and the round's office."""
    inspection, viewer = selectors.get_inspection_for_viewer(request.user, code)
    orders = page_of(request, selectors.orders_of_inspection(inspection))
    return render(
        request,
        "oversight/unit_orders.html",
        {"inspection": inspection, "viewer": viewer, "orders": orders, "page": orders},
    )


@login_required
def order_new(request, code):
    inspection, viewer = selectors.get_inspection_for_viewer(request.user, code, supervisor=True)
    findings = list(findings_of_inspection(inspection))
    initial = {"finding": request.GET.get("finding")}
    form = IssueForm(request.POST or None, findings=findings, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.issue_order(
                    inspection=inspection, by=request.user, **form.cleaned_data
                )
            except services.NotPermitted as refused:
                raise PermissionDenied from refused
            except services.SupervisionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The supervision order has been issued."))
                return redirect("oversight:order_detail", order.public_id)
        status = 400
    return render(
        request,
        "oversight/order_new.html",
        {"inspection": inspection, "form": form},
        status=status,
    )


def _render_order(request, order, viewer, *, form=None, status=200):
    return render(
        request,
        "oversight/order_detail.html",
        {
            "order": order,
            "inspection": order.inspection,
            "viewer": viewer,
            "steps": selectors.order_steps(order),
            "actions": services.available_actions(order=order, user=request.user),
            "form": form or StepForm(),
        },
        status=status,
    )


@login_required
def order_detail(request, public_id):
    order, viewer = selectors.get_order_for_user(request.user, public_id)
    return _render_order(request, order, viewer)


@login_required
@require_POST
def order_step(request, public_id, action):
    order, viewer = selectors.get_order_for_user(request.user, public_id)
    if action not in services.ACTIONS:
        raise Http404
    t = services.transition_for(order, action)
    if t is not None and not services.may_act(t.actor, user=request.user, order=order):
        raise PermissionDenied
    form = StepForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_order(request, order, viewer, form=form, status=400)
    try:
        services.take_step(order=order, by=request.user, action=action, **form.cleaned_data)
    except services.NotPermitted as refused:
        raise PermissionDenied from refused
    except services.SupervisionError as error:
        form.add_error(None, str(error))
        order.refresh_from_db()
        return _render_order(request, order, viewer, form=form, status=400)
    messages.success(request, _("Recorded."))
    return redirect("oversight:order_detail", order.public_id)


@login_required
def reply_evidence(request, public_id, evidence_id):
    order, _viewer = selectors.get_order_for_user(request.user, public_id)
    evidence = get_object_or_404(ReplyEvidence, public_id=evidence_id, step__order=order)
    return evidence_response(evidence, download="download" in request.GET)


# --- the round dashboard ------------------------------------------------------------------


@login_required
def round_dashboard(request, office_id, round_id):
    round_, role = selectors.get_round_for_user(request.user, office_id, round_id)
    board = dashboard.round_dashboard(round_)
    return render(
        request, "oversight/round_dashboard.html", {"round": round_, "role": role, "board": board}
    )


@login_required
def round_findings(request, office_id, round_id):
    """The read-only list behind one number of the dashboard."""
    round_, _role = selectors.get_round_for_user(request.user, office_id, round_id)
    form = BehindForm(request.GET, round_=round_)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    today = timezone.localdate()
    findings = dashboard.findings_behind(
        round_,
        name=data["show"] or "all",
        today=today,
        inspection=data["unit"],
        category=data["category"],
        uncategorised=data["uncategorised"],
    )
    page = page_of(request, findings)
    mark_rows(page.object_list, today)
    return render(
        request,
        "oversight/round_findings.html",
        {"round": round_, "findings": page, "page": page, "filters": data},
    )


@login_required
def round_export(request, office_id, round_id):
    round_, _role = selectors.get_round_for_user(request.user, office_id, round_id)
    board = dashboard.round_dashboard(round_)
    buffer = io.BytesIO()
    dashboard_workbook(board).save(buffer)
    buffer.seek(0)
    name = f"{round_.office.short_name or round_.office.name}-{round_}-整改统计.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name)


# --- the office's problem categories -------------------------------------------------------


def _render_categories(request, office, role, *, form=None, status=200):
    return render(
        request,
        "oversight/categories.html",
        {
            "office": office,
            "may_change": role == OfficeRole.SUPERVISOR,
            "categories": categories.categories_with_use(office),
            "history": categories.category_history(office),
            "form": form or CategoryNameForm(),
        },
        status=status,
    )


@login_required
def office_categories(request, office_id):
    """The office's 问题分类: read by its members; added to by its 督办 staff (POST)."""
    office, role = selectors.get_office_for_user(request.user, office_id)
    if request.method != "POST":
        return _render_categories(request, office, role)
    if role != OfficeRole.SUPERVISOR:
        raise PermissionDenied
    form = CategoryNameForm(request.POST)
    if form.is_valid():
        try:
            categories.category_add(office=office, by=request.user, name=form.cleaned_data["name"])
        except services.SupervisionError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Category added."))
            return redirect("oversight:office_categories", office.pk)
    return _render_categories(request, office, role, form=form, status=400)


# action → (service, message when done); rename takes the name form.
CATEGORY_ACTIONS = {
    "rename": (categories.category_rename, gettext_lazy("Category renamed.")),
    "up": (categories.category_move, gettext_lazy("Order changed.")),
    "down": (categories.category_move, gettext_lazy("Order changed.")),
    "retire": (categories.category_retire, gettext_lazy("Category retired.")),
    "restore": (categories.category_restore, gettext_lazy("Category restored.")),
}


@login_required
@require_POST
def category_change(request, office_id, category_id, action):
    office, role = selectors.get_office_for_user(request.user, office_id)
    category = get_object_or_404(ProblemCategory, pk=category_id, office=office)
    if action not in CATEGORY_ACTIONS:
        raise Http404
    if role != OfficeRole.SUPERVISOR:
        raise PermissionDenied
    write, done = CATEGORY_ACTIONS[action]
    extra = {}
    if action == "rename":
        form = CategoryNameForm(request.POST, prefix=f"c{category.pk}")
        if not form.is_valid():
            messages.error(request, _("Please give the category a name of at most 100 characters."))
            return redirect("oversight:office_categories", office.pk)
        extra["name"] = form.cleaned_data["name"]
    elif action in categories.MOVES:
        extra["direction"] = action
    try:
        write(office=office, category=category, by=request.user, **extra)
    except services.NotPermitted as refused:
        raise PermissionDenied from refused
    except services.SupervisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("oversight:office_categories", office.pk)


# --- the round summary --------------------------------------------------------------------


@login_required
def round_summary(request, office_id, round_id):
    """The round summary as it reads now, with its published versions."""
    round_, role = selectors.get_round_for_user(request.user, office_id, round_id)
    document = summary.build_summary(round_, dashboard.round_dashboard(round_))
    return render(
        request,
        "oversight/round_summary.html",
        {
            "round": round_,
            "document": document,
            "may_publish": role == OfficeRole.SUPERVISOR,
            "versions": round_.summaries.select_related("published_by").order_by("-number"),
        },
    )


@login_required
def round_summary_pdf(request, office_id, round_id):
    round_, _role = selectors.get_round_for_user(request.user, office_id, round_id)
    document = summary.build_summary(round_, dashboard.round_dashboard(round_))
    pdf = notice_render.notice_pdf(document, draft=True)
    return HttpResponse(pdf, content_type="application/pdf")


@login_required
def round_summary_docx(request, office_id, round_id):
    """The round summary as it reads now, as a Word document marked as a draft."""
    round_, _role = selectors.get_round_for_user(request.user, office_id, round_id)
    document = summary.build_summary(round_, dashboard.round_dashboard(round_))
    data = word.notice_docx(document, draft=True)
    name = f"{round_}-整改进展通报-草稿.docx"
    return FileResponse(
        io.BytesIO(data), content_type=word.CONTENT_TYPE, as_attachment=True, filename=name
    )


@login_required
@require_POST
def round_summary_publish(request, office_id, round_id):
    round_, role = selectors.get_round_for_user(request.user, office_id, round_id)
    if role != OfficeRole.SUPERVISOR:
        raise PermissionDenied
    try:
        version = summary.summary_publish(round_=round_, by=request.user)
    except services.NotPermitted as refused:
        raise PermissionDenied from refused
    except services.SupervisionError as error:
        messages.error(request, str(error))
        return redirect("oversight:round_summary", office_id, round_id)
    messages.success(request, _("Version %(number)s is published.") % {"number": version.number})
    return redirect("oversight:round_summary", office_id, round_id)


def public_round_summary(request, public_id):
    """A published round summary as HTML: no login, served from its frozen file, with a
    policy allowing exactly its own <style> elements (as reports.views.public_notice)."""
    version = get_object_or_404(RoundSummary, public_id=public_id)
    with freezing.open_frozen(version.html) as f:
        response = HttpResponse(f.read(), content_type="text/html; charset=utf-8")
    response._csp_replace = {"style-src": notice_render.style_hashes(response.content)}
    return response


def _public_file(public_id, extension, content_type, *, as_attachment=False):
    version = get_object_or_404(RoundSummary.objects.select_related("round"), public_id=public_id)
    return FileResponse(
        freezing.open_frozen(getattr(version, extension)),
        content_type=content_type,
        as_attachment=as_attachment,
        filename=f"{version.round}-v{version.number}.{extension}",
    )


def public_round_summary_pdf(request, public_id):
    return _public_file(public_id, "pdf", "application/pdf")


def public_round_summary_docx(request, public_id):
    """A published version as .docx, the stored bytes; a version published before round
    summaries came as Word documents has none: 404."""
    return _public_file(public_id, "docx", word.CONTENT_TYPE, as_attachment=True)
