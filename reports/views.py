import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.confirm import confirmation_page, is_confirmed

from . import printing, publishing, selectors, services, word
from . import render as renderer
from . import version_views as versions_served
from .document import blocks_of, generated_preamble, ledger_areas
from .forms import AddBlockForm, NoticeForm
from .models import Audience, BlockKind, PreambleTemplate, PublishJob

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _pdf_response(data, filename):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@login_required
def notice_detail(request, code):
    notice, access = selectors.notice_for(request, code)
    versions = list(selectors.versions_of(notice))
    latest = versions[0] if versions else None
    if problem := selectors.too_large(notice):
        document, unsigned, withheld, unpublished = None, [], [], True  # shown as refused
    else:
        document, areas = selectors.current_document(notice)
        unsigned = printing.not_signed_off(notice, areas)
        withheld = printing.withheld(areas)
        unpublished = latest is None or latest.paragraphs != document.paragraphs()
    return render(
        request,
        "reports/notice_detail.html",
        {
            "inspection": notice.inspection,
            "access": access,
            "notice": notice,
            "document": document,
            "unsigned": unsigned,
            "withheld": withheld,
            "flags": True,
            "too_large": problem,
            "versions": versions,
            "unpublished": unpublished,
            "history": selectors.notice_history(notice),
        },
    )


@login_required
def notice_edit(request, code):
    """The draft's title and preamble, and its blocks with buttons to move, edit, remove."""
    notice, access = selectors.notice_for(request, code, need="edit_notice")
    inspection = notice.inspection
    version = notice.version if notice.pk else 0
    if request.method == "POST":
        form = NoticeForm(request.POST, instance=notice)
        if form.is_valid():
            try:
                services.notice_update(
                    inspection=inspection,
                    by=request.user,
                    data=form.cleaned_data,
                    expected_version=form.cleaned_data["version"],
                )
            except services.NoticeError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The draft of the notice is saved."))
                if "preview" in request.POST:
                    return redirect("reports:notice_preview", code=inspection.code)
                return redirect("reports:notice_edit", code=inspection.code)
    else:
        form = NoticeForm(instance=notice, initial={"version": version})
    blocks = blocks_of(notice)
    return render(
        request,
        "reports/notice_edit.html",
        {
            "inspection": inspection,
            "access": access,
            "notice": notice,
            "version": version,
            "form": form,
            "blocks": blocks,
            "last_movable": max(
                (b.position for b in blocks if b.kind != BlockKind.SIGNOFF), default=0
            ),
            "add_form": AddBlockForm(initial={"version": version}),
            "templates": [
                (value, label, generated_preamble(inspection, value))
                for value, label in PreambleTemplate.choices
            ],
        },
    )


def _refused_if_too_large(request, code, notice):
    """Back to the notice page with the reason when the notice is too large to render."""
    problem = selectors.too_large(notice)
    if not problem:
        return None
    messages.error(request, problem)
    return redirect("reports:notice_detail", code=code)


@login_required
def notice_preview(request, code):
    """The draft as the public will read it; ?audience=internal: the internal version."""
    notice, _access = selectors.notice_for(request, code)
    if refused := _refused_if_too_large(request, code, notice):
        return refused
    internal = request.GET.get("audience") == Audience.INTERNAL
    document, _areas = selectors.current_document(
        notice, audience=Audience.INTERNAL if internal else Audience.PUBLIC
    )
    preview = reverse("reports:notice_preview", args=[code])
    other = (
        (preview, _("Public version"))
        if internal
        else (f"{preview}?audience=internal", _("Internal version"))
    )
    links = [
        (reverse("reports:notice_detail", args=[code]), _("Back to the notice")),
        other,
        (reverse("reports:notice_draft_pdf", args=[code]), _("Draft PDF")),
        (reverse("reports:notice_draft_docx", args=[code]), _("Draft Word document")),
    ]
    return HttpResponse(renderer.notice_html(document, draft=True, links=links))


@login_required
def notice_draft_pdf(request, code):
    notice, _access = selectors.notice_for(request, code)
    if refused := _refused_if_too_large(request, code, notice):
        return refused
    document, _areas = selectors.current_document(notice)
    pdf = renderer.notice_pdf(document, draft=True)
    return _pdf_response(pdf, f"{notice.inspection.code}-draft.pdf")


@login_required
def notice_draft_docx(request, code):
    notice, _access = selectors.notice_for(request, code)
    if refused := _refused_if_too_large(request, code, notice):
        return refused
    document, _areas = selectors.current_document(notice)
    data = word.notice_docx(document, draft=True)
    filename = f"{notice.inspection.code}-draft.docx"
    return FileResponse(io.BytesIO(data), content_type=DOCX, as_attachment=True, filename=filename)


def _publish_confirmation(request, notice):
    """The page that asks to confirm a publication, naming what does not print as signed."""
    code = notice.inspection.code
    if problem := selectors.too_large(notice):
        messages.error(request, problem)
        return redirect("reports:notice_detail", code=code)
    areas = ledger_areas(notice.inspection)
    details = []
    unsigned = printing.not_signed_off(notice, areas)
    if unsigned:
        details.append(
            (
                _("Findings whose printed text is not signed off (%(count)s)")
                % {"count": len(unsigned)},
                "\n".join(
                    f"（{p.finding.area.position}）{p.finding.number}. {p.finding.statement[:40]}"
                    f" — {printing.flag_label(p.flag)}"
                    for p in unsigned
                ),
            )
        )
    withheld = printing.withheld(areas)
    if withheld:
        details.append(
            (
                _("Left out of the public version (%(count)s)") % {"count": len(withheld)},
                "\n".join(
                    f"（{f.area.position}）{f.number}. {f.statement[:40]}"
                    f" — {f.get_withheld_reason_display()}"
                    for f in withheld
                ),
            )
        )
    return confirmation_page(
        request,
        title=_("Publish the notice"),
        question=_(
            "Publishing freezes the notice as it reads now, in its public and internal "
            "versions, and puts the public one at a public address. It cannot be changed "
            "afterwards, only withdrawn."
        )
        + ("" if unsigned else " " + _("Every finding prints its text as signed off.")),
        details=details,
        button=_("Publish"),
        back_url=reverse("reports:notice_detail", args=[code]),
    )


@login_required
@require_POST
def notice_publish(request, code):
    notice, _access = selectors.notice_for(request, code, need="publish_notice")
    if not is_confirmed(request):
        return _publish_confirmation(request, notice)
    try:
        job = publishing.request_publish(inspection=notice.inspection, by=request.user)
    except services.NoticeError as error:
        messages.error(request, publishing.error_text(error))
        return redirect("reports:notice_detail", code=notice.inspection.code)
    return redirect("reports:publish_job", code=notice.inspection.code, job_id=job.pk)


@login_required
def publish_job(request, code, job_id):
    """The progress and the result of a publication; polls while it runs."""
    notice, access = selectors.notice_for(request, code, need="publish_notice")
    job = get_object_or_404(
        PublishJob.objects.select_related("version"), pk=job_id, inspection=notice.inspection
    )
    if job.running and publishing.sweep_stalled(PublishJob.objects.filter(pk=job.pk)) == 0:
        job.refresh_from_db()
    return render(
        request,
        "reports/publish_job.html",
        {"inspection": notice.inspection, "access": access, "job": job},
    )


@login_required
def notice_diff(request, code):
    notice, access = selectors.notice_for(request, code)
    versions = {v.number: v for v in selectors.versions_of(notice)}
    document, _areas = selectors.current_document(notice)

    def paragraphs(choice):
        if choice == "draft":
            return document.paragraphs()
        try:
            return versions[int(choice)].paragraphs
        except (KeyError, TypeError, ValueError):
            raise Http404 from None

    if not versions:
        raise Http404
    # By default: the latest published version against the draft as it reads now.
    old = request.GET.get("old") or str(max(versions))
    new = request.GET.get("new") or "draft"
    return render(
        request,
        "reports/notice_diff.html",
        {
            "inspection": notice.inspection,
            "access": access,
            "versions": sorted(versions.values(), key=lambda v: -v.number),
            "old": old,
            "new": new,
            "lines": selectors.paragraph_diff(paragraphs(old), paragraphs(new)),
        },
    )


def public_notice(request, public_id):
    """A published version as HTML: no login, its frozen file with its status in front."""
    return versions_served.public_page(request, selectors.get_public_version(public_id))


def public_notice_pdf(request, public_id):
    """A published version as PDF: no login, the stored bytes, never rendered again."""
    return versions_served.public_file(selectors.get_public_version(public_id), "pdf")


def public_notice_docx(request, public_id):
    """A published version as .docx: no login, the stored bytes, never rendered again.

    A version published before notices came as Word documents has none: 404.
    """
    return versions_served.public_file(selectors.get_public_version(public_id), "docx")
