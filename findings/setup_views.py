"""The principal's setup pages: the unit's members and inspections, an inspection's areas.

A non-member of the unit gets 404, a member who is not its principal 403 (as everywhere:
findings.access). Writes go through findings.setup.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.confirm import confirmation_page, is_confirmed
from rectify.posted import as_number

from . import setup
from .access import access_for, inspection_for
from .models import Area, Membership, Organisation, Role
from .setup_forms import AreaForm, InspectionForm, MemberForm, NewInspectionForm, RoleForm

NEW_PASSWORD_KEY = "findings_new_member_password"


def unit_for(request, organisation_id):
    """The unit whose principal the user is: 404 for a non-member, 403 for the others."""
    role = access_for(request).role_in(organisation_id)
    if role is None:
        raise Http404
    if role != Role.PRINCIPAL:
        raise PermissionDenied
    return get_object_or_404(Organisation, pk=organisation_id)


def _former_form(user_id, data=None, **kwargs):
    """The role a former member comes back with (their last one, unless changed)."""
    return RoleForm(data, prefix=f"f{user_id}", **kwargs)


def _render_unit(request, organisation, *, member_form=None, status=200):
    members = (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__display_name")
    )
    former = setup.former_members(organisation)
    context = {
        "organisation": organisation,
        "members": [(m, RoleForm(instance=m, prefix=f"m{m.pk}")) for m in members],
        "former": [(f, _former_form(f.user_id, initial={"role": f.role})) for f in former],
        "inspections": organisation.inspections.select_related("organisation").order_by(
            "-onsite_start", "code"
        ),
        "member_form": member_form or MemberForm(),
    }
    return render(request, "findings/unit_setup.html", context, status=status)


@login_required
def unit_setup(request, organisation_id):
    return _render_unit(request, unit_for(request, organisation_id))


@login_required
@require_POST
def member_add(request, organisation_id):
    organisation = unit_for(request, organisation_id)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            membership, password = setup.member_add(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except setup.SetupError as error:
            form.add_error("username", str(error))
        else:
            # Kept for the next page only, which shows it once and forgets it.
            request.session[NEW_PASSWORD_KEY] = {"member": membership.pk, "password": password}
            return redirect("findings:member_added", organisation.pk, membership.pk)
    return _render_unit(request, organisation, member_form=form, status=400)


@login_required
def member_added(request, organisation_id, membership_id):
    """The new member's login name and temporary password, shown once (pages are never
    cached: no-store); a second visit sends the principal back to the unit's page."""
    organisation = unit_for(request, organisation_id)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organisation=organisation
    )
    kept = request.session.get(NEW_PASSWORD_KEY) or {}
    if kept.get("member") != membership.pk:
        return redirect("findings:unit_setup", organisation.pk)
    del request.session[NEW_PASSWORD_KEY]
    return render(
        request,
        "findings/member_added.html",
        {"organisation": organisation, "membership": membership, "password": kept["password"]},
    )


@login_required
@require_POST
def member_change(request, organisation_id, membership_id):
    organisation = unit_for(request, organisation_id)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organisation=organisation
    )
    back = redirect("findings:unit_setup", organisation.pk)
    try:
        if request.POST.get("action") == "deactivate":
            if not is_confirmed(request):
                return confirmation_page(
                    request,
                    title=_("Deactivate a member"),
                    question=_(
                        "%(person)s will no longer be a member of %(unit)s. Their findings, "
                        "entries and history stay as they are."
                    )
                    % {"person": membership.user, "unit": organisation},
                    button=_("Deactivate"),
                    back_url=back.url,
                    danger=True,
                )
            setup.member_deactivate(membership=membership, by=request.user)
            messages.success(request, _("Deactivated."))
        else:
            form = RoleForm(request.POST, instance=membership, prefix=f"m{membership.pk}")
            if not form.is_valid():
                messages.error(request, _("Choose a role from the list."))
                return back
            setup.member_set_role(
                membership=membership, by=request.user, role=form.cleaned_data["role"]
            )
            messages.success(request, _("Role changed."))
    except setup.SetupError as error:
        messages.error(request, str(error))
    return back


@login_required
@require_POST
def member_reactivate(request, organisation_id, user_id):
    """A deactivated member back in the unit, with the role chosen, once confirmed."""
    organisation = unit_for(request, organisation_id)
    former = setup.former_members(organisation, user_id=user_id)
    if not former:
        raise Http404
    person = former[0].user
    back = redirect("findings:unit_setup", organisation.pk)
    form = _former_form(user_id, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return back
    role = form.cleaned_data["role"]
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Reactivate a member"),
            question=_(
                "%(person)s will be a member of %(unit)s again, as %(role)s, and can log in "
                "unless an administrator has disabled their login."
            )
            % {"person": person, "unit": organisation, "role": Role(role).label},
            details=[
                (_("Login name"), person.username),
                (_("Deactivated"), f"{localtime(former[0].history_date):%Y-%m-%d %H:%M}"),
            ],
            button=_("Reactivate"),
            back_url=back.url,
        )
    try:
        setup.member_reactivate(organisation=organisation, user=person, by=request.user, role=role)
    except setup.SetupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Reactivated."))
    return back


@login_required
def inspection_new(request, organisation_id):
    organisation = unit_for(request, organisation_id)
    form = NewInspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "areas"}
        try:
            inspection = setup.inspection_create(
                organisation=organisation,
                by=request.user,
                fields=fields,
                area_titles=form.cleaned_data["areas"],
            )
        except setup.SetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The inspection is set up."))
            return redirect("findings:inspection_setup", inspection.code)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "findings/inspection_new.html",
        {"organisation": organisation, "form": form},
        status=status,
    )


def _principal_inspection(request, code):
    inspection, access = inspection_for(request, code)
    if access.role != Role.PRINCIPAL:
        raise PermissionDenied
    return inspection


@login_required
def inspection_setup(request, code):
    """The inspection's particulars and its areas: edit, add, rename, move up or down."""
    inspection = _principal_inspection(request, code)
    form = InspectionForm(instance=inspection, prefix="i")
    new_area = AreaForm(prefix="new")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "inspection":
                form = InspectionForm(request.POST, instance=inspection, prefix="i")
                if form.is_valid():
                    setup.inspection_update(
                        inspection=inspection, by=request.user, fields=form.cleaned_data
                    )
                    messages.success(request, _("Saved."))
                    return redirect("findings:inspection_setup", code)
            elif action == "add_area":
                new_area = AreaForm(request.POST, prefix="new")
                if new_area.is_valid():
                    setup.area_add(inspection=inspection, by=request.user, **new_area.cleaned_data)
                    messages.success(request, _("Area added."))
                    return redirect("findings:inspection_setup", code)
            elif action in ("rename", "up", "down"):
                area = get_object_or_404(
                    Area, pk=as_number(request.POST.get("area")), inspection=inspection
                )
                if action == "rename":
                    renamed = AreaForm(request.POST, prefix=f"a{area.pk}")
                    if not renamed.is_valid():
                        raise setup.SetupError(_("Give the area a title."))
                    setup.area_rename(area=area, by=request.user, **renamed.cleaned_data)
                else:
                    setup.area_move(area=area, by=request.user, direction=action)
                messages.success(request, _("Saved."))
                return redirect("findings:inspection_setup", code)
            else:
                raise setup.SetupError(_("Unknown step."))
        except setup.SetupError as error:
            messages.error(request, str(error))
            return redirect("findings:inspection_setup", code)
        status = 400
    areas = inspection.areas.order_by("position")
    return render(
        request,
        "findings/inspection_setup.html",
        {
            "inspection": inspection,
            "form": form,
            "new_area": new_area,
            "areas": [(a, AreaForm(instance=a, prefix=f"a{a.pk}")) for a in areas],
        },
        status=status,
    )
