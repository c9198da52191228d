"""The principal composes the notice: add, edit, move and remove blocks; the wording of the
areas and findings as the notice prints them (通报文字)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from findings.models import Area, Finding
from rectify.confirm import confirmation_page, is_confirmed

from . import composing, selectors, services
from .document import ledger_areas
from .forms import (
    BLOCK_FORMS,
    AreaWordingForm,
    FindingWordingForm,
    VersionedForm,
    block_changes,
    block_initial,
    paragraph_formset,
    paragraphs_from,
)
from .models import BlockKind, CountsWording, LedgerShape, NoticeBlock, SectionStyle

ADD_DEFAULTS = {
    BlockKind.SECTION: {"style": SectionStyle.NUMBERED},
    BlockKind.LEDGER: {"style": LedgerShape.AREAS},
    BlockKind.COUNTS: {"style": CountsWording.ONGOING_OPEN, "precision": 2},
    BlockKind.FIGURES: {"text": "整改期间，"},
}


def _version(notice):
    return notice.version if notice.pk else 0


def _block_page(request, notice, access, block, form, paragraphs, *, adding):
    return render(
        request,
        "reports/notice_block.html",
        {
            "inspection": notice.inspection,
            "access": access,
            "item": block,
            "form": form,
            "paragraphs": paragraphs,
            "adding": adding,
        },
    )


def _bound(request, kind, initial=None):
    form_class = BLOCK_FORMS[kind]
    if request.method == "POST":
        form = form_class(request.POST)
        paragraphs = paragraph_formset("paragraphs", request.POST)
    else:
        form = form_class(initial=initial)
        paragraphs = paragraph_formset("paragraphs", initial=(initial or {}).get("paragraphs"))
    return form, paragraphs if kind == BlockKind.SECTION else None


def _valid(form, paragraphs):
    return form.is_valid() and (paragraphs is None or paragraphs.is_valid())


def _values(form, paragraphs):
    values = block_changes(form)
    if paragraphs is not None:
        values["paragraphs"] = paragraphs_from(paragraphs)
    return values


@login_required
def notice_block_add(request, code):
    notice, access = selectors.notice_for(request, code, need="edit_notice")
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in BlockKind.values:
        raise Http404
    block = NoticeBlock(notice=notice, kind=kind, **ADD_DEFAULTS.get(kind, {}))
    initial = {**block_initial(block, _version(notice)), "kind": kind, "paragraphs": []}
    form, paragraphs = _bound(request, kind, initial)
    if request.method == "POST" and _valid(form, paragraphs):
        try:
            composing.block_add(
                inspection=notice.inspection,
                by=request.user,
                kind=kind,
                values=_values(form, paragraphs),
                expected_version=form.cleaned_data["version"],
            )
        except services.NoticeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The block is added to the notice."))
            return redirect("reports:notice_edit", code=code)
    return _block_page(request, notice, access, block, form, paragraphs, adding=True)


@login_required
def notice_block_edit(request, code, position):
    notice, access = selectors.notice_for(request, code, need="edit_notice")
    block = composing.block_at_for_reading(notice, position)
    if block is None:
        raise Http404
    initial = {**block_initial(block, _version(notice)), "paragraphs": block.paragraphs}
    form, paragraphs = _bound(request, block.kind, initial)
    if request.method == "POST" and _valid(form, paragraphs):
        try:
            composing.block_update(
                inspection=notice.inspection,
                by=request.user,
                position=position,
                values=_values(form, paragraphs),
                expected_version=form.cleaned_data["version"],
            )
        except services.NoticeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The block is saved."))
            return redirect("reports:notice_edit", code=code)
    return _block_page(request, notice, access, block, form, paragraphs, adding=False)


def _version_posted(request):
    form = VersionedForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


@login_required
@require_POST
def notice_block_move(request, code, position):
    notice, _access = selectors.notice_for(request, code, need="edit_notice")
    version = _version_posted(request)
    direction = request.POST.get("direction")
    if version is None or direction not in ("up", "down"):
        messages.error(request, _("The request to move a block was incomplete; try again."))
        return redirect("reports:notice_edit", code=code)
    try:
        composing.block_move(
            inspection=notice.inspection,
            by=request.user,
            position=position,
            up=direction == "up",
            expected_version=version,
        )
    except services.NoticeError as error:
        messages.error(request, str(error))
    return redirect("reports:notice_edit", code=code)


@login_required
@require_POST
def notice_block_remove(request, code, position):
    notice, _access = selectors.notice_for(request, code, need="edit_notice")
    block = composing.block_at_for_reading(notice, position)
    version = _version_posted(request)
    if block is None or version is None:
        messages.error(request, _("This block is no longer in the notice; reload the page."))
        return redirect("reports:notice_edit", code=code)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Remove a block of the notice"),
            question=_("Remove this block from the draft? Its text stays in the history only."),
            details=[
                (_("Kind of block"), block.get_kind_display()),
                (_("Position"), block.position),
                (_("Heading"), block.heading or block.text[:80] or "—"),
            ],
            button=_("Remove the block"),
            back_url=reverse("reports:notice_edit", args=[code]),
            danger=True,
        )
    try:
        composing.block_remove(
            inspection=notice.inspection,
            by=request.user,
            position=position,
            expected_version=version,
        )
    except services.NoticeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The block is removed."))
    return redirect("reports:notice_edit", code=code)


@login_required
def notice_wording(request, code):
    """通报文字: each area's title and its findings' statements, as the notice prints them."""
    notice, access = selectors.notice_for(request, code, need="edit_notice")
    return render(
        request,
        "reports/notice_wording.html",
        {
            "inspection": notice.inspection,
            "access": access,
            "areas": ledger_areas(notice.inspection),
        },
    )


@login_required
def notice_wording_area(request, code, area_id):
    notice, access = selectors.notice_for(request, code, need="edit_notice")
    inspection = notice.inspection
    area = get_object_or_404(Area, inspection=inspection, pk=area_id)
    findings = list(Finding.objects.filter(area=area).order_by("number"))
    data = request.POST if request.method == "POST" else None
    form = AreaWordingForm(data, initial={"version": area.version, "title": area.title})
    finding_forms = [
        (
            finding,
            FindingWordingForm(
                data,
                prefix=f"f{finding.pk}",
                initial={
                    "version": finding.version,
                    "statement": finding.statement,
                    "public_statement": finding.public_statement,
                },
            ),
        )
        for finding in findings
    ]
    if data is not None and form.is_valid() and all(f.is_valid() for _f, f in finding_forms):
        try:
            composing.area_wording_update(
                inspection=inspection,
                by=request.user,
                area_id=area.pk,
                title=form.cleaned_data["title"].strip(),
                findings={
                    finding.pk: (
                        f.cleaned_data["statement"],
                        f.cleaned_data["public_statement"],
                        f.cleaned_data["version"],
                    )
                    for finding, f in finding_forms
                },
                expected_version=form.cleaned_data["version"],
            )
        except services.NoticeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The wording is saved."))
            return redirect("reports:notice_wording", code=code)
    return render(
        request,
        "reports/notice_wording_area.html",
        {
            "inspection": inspection,
            "access": access,
            "area": area,
            "form": form,
            "finding_forms": finding_forms,
        },
    )
