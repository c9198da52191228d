"""The 整改台账 pages: export (large ones as a task), the blank template, importing."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import members as account_members
from findings.access import inspection_for
from findings.models import Role, User
from rectify.background import JobState
from rectify.confirm import confirmation_page, is_confirmed
from rectify.storage import local_copy

from . import exports, jobs, members
from .errors import LedgerFileError, annotated_copy
from .export import export_workbook, template_workbook
from .forms import LedgerUploadForm
from .models import ExportJob, ImportJob, ImportState


def _xlsx_response(workbook, filename):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename)


@login_required
def ledger_export(request, code):
    """The workbook at once; a large ledger: a page to start its export as a task (POST)."""
    inspection, access = inspection_for(request, code, need="export")
    if request.method == "POST":
        job = exports.start_export(inspection=inspection, by=request.user)
        return redirect("sheets:export_job", inspection.code, job.pk)
    if not exports.runs_as_task(inspection):
        return _xlsx_response(export_workbook(inspection), f"{inspection.code}-整改台账.xlsx")
    return render(
        request,
        "sheets/export_job.html",
        {"inspection": inspection, "access": access, "job": None},
    )


def _export_for_user(request, code, job_id):
    inspection, access = inspection_for(request, code, need="export")
    job = get_object_or_404(ExportJob, pk=job_id, inspection=inspection)
    job.inspection = inspection
    return job, access


@login_required
def export_job(request, code, job_id):
    job, access = _export_for_user(request, code, job_id)
    if job.running and exports.sweep_stalled(ExportJob.objects.filter(pk=job.pk)) == 0:
        job.refresh_from_db()
    return render(
        request,
        "sheets/export_job.html",
        {"inspection": job.inspection, "access": access, "job": job},
    )


@login_required
def export_download(request, code, job_id):
    job, _access = _export_for_user(request, code, job_id)
    if job.state != JobState.DONE or not job.stored_name:
        raise Http404
    try:
        stored = default_storage.open(job.stored_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(stored, as_attachment=True, filename=exports.filename(job))


@login_required
def ledger_template(request, code):
    inspection = inspection_for(request, code)[0]
    return _xlsx_response(template_workbook(inspection), "整改台账模板.xlsx")


@login_required
def import_upload(request, code):
    inspection, access = inspection_for(request, code, need="import")
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.start_import(
                inspection=inspection, upload=form.cleaned_data["file"], by=request.user
            )
        except LedgerFileError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("sheets:import_job", inspection.code, job.pk)
    recent = inspection.import_jobs.select_related("created_by")[:5]
    return render(
        request,
        "sheets/import_upload.html",
        {"inspection": inspection, "access": access, "form": form, "recent": recent},
    )


def _job_for_user(request, code, job_id):
    inspection, access = inspection_for(request, code, need="import")
    job = get_object_or_404(ImportJob, pk=job_id, inspection=inspection)
    job.inspection = inspection
    return job, access


@login_required
def import_job(request, code, job_id):
    job, access = _job_for_user(request, code, job_id)
    if job.state in jobs.RUNNING and jobs.sweep_stalled(ImportJob.objects.filter(pk=job.pk)) == 0:
        job.refresh_from_db(fields=["state", "report", "updated_at"])
    report = job.report
    return render(
        request,
        "sheets/import_job.html",
        {
            "inspection": job.inspection,
            "access": access,
            "job": job,
            "report": report,
            "counts": report.get("counts", {}),
            "running": job.state in jobs.RUNNING,
            "form": LedgerUploadForm(),
            "member_actions": members.ACTIONS,
            "added": members.added_with_links(report) if access.may_add_members else [],
        },
    )


@login_required
@require_POST
def import_confirm(request, code, job_id):
    """Confirm the import; where people are to be added, after a confirmation page."""
    job, access = _job_for_user(request, code, job_id)
    chosen, errors = members.chosen_members(request.POST, job.report)
    if chosen and not access.may_add_members:
        raise PermissionDenied
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("sheets:import_job", code, job.pk)
    if chosen and not is_confirmed(request):
        counts = job.report.get("counts", {})
        details = [
            (
                _("Findings"),
                _("%(created)s to create, %(updated)s to update")
                % {"created": counts.get("create", 0), "updated": counts.get("update", 0)},
            )
        ] + [
            (
                person["name"],
                _("add as %(role)s, with a first-login link%(email)s")
                % {
                    "role": Role(person["role"]).label,
                    "email": f" → {person['email']}" if person["email"] else "",
                },
            )
            for person in chosen
        ]
        return confirmation_page(
            request,
            title=_("Confirm the import"),
            question=_(
                "The import adds these people to the unit: their accounts stay when the "
                "import is done."
            ),
            details=details,
            button=_("Import and add the people"),
            back_url=reverse("sheets:import_job", args=[code, job.pk]),
        )
    try:
        jobs.confirm_import(job=job, by=request.user, new_members=chosen)
    except jobs.ImportStateError:
        messages.error(request, _("This import cannot be confirmed in its present state."))
    return redirect("sheets:import_job", code, job.pk)


@login_required
@require_POST
def member_link(request, code, job_id, user_id):
    """A new first-login link for a person this import added (the principal's)."""
    job, access = _job_for_user(request, code, job_id)
    if not access.may_add_members:
        raise PermissionDenied
    added = {person["user_id"] for person in job.report.get("added_members") or []}
    if user_id not in added or job.state != ImportState.DONE:
        raise Http404
    user = get_object_or_404(User, pk=user_id)
    try:
        link = account_members.first_login_link_create(user=user, by=request.user)
    except account_members.MemberError as error:
        messages.error(request, str(error))
    else:
        account_members.email_first_login(
            user=user, link=link, organisation=job.inspection.organisation
        )
        messages.success(request, _("A new first-login link for %(name)s.") % {"name": user})
    return redirect("sheets:import_job", code, job.pk)


@login_required
def import_errors(request, code, job_id):
    job, _access = _job_for_user(request, code, job_id)
    errors = job.report.get("errors")
    name = jobs.job_path(job)
    if job.state != ImportState.READY or not errors or not default_storage.exists(name):
        raise Http404
    with local_copy(name) as path:
        workbook = annotated_copy(path, errors, header_row=job.report["header_row"])
    stem = job.filename.rsplit(".", 1)[0]
    return _xlsx_response(workbook, f"{stem}-错误.xlsx")
