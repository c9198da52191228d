"""Writes: compose the notice's body from blocks (add, edit, move, remove), and the wording
of the ledger as the notice prints it (area titles, finding statements).

Every write is one transaction on the locked notice and bumps its version, so a form or a
button of a page opened before another save is refused (blocks are addressed by their
position, which that check keeps meaningful). The signature block stays last.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from findings.access import Access
from findings.models import Area, Finding

from .document import blocks_of
from .models import SINGLE_KINDS, BlockKind, NoticeBlock
from .services import NoticeError, _check_version, _locked_notice, _refuse_unless, _save_notice

REASON_ADD = "通报添加部分"
REASON_EDIT = "编辑通报部分"
REASON_MOVE = "调整通报部分顺序"
REASON_REMOVE = "删除通报部分"
REASON_WORDING = "编辑通报文字"
BLOCK_FIELDS = ("heading", "text", "style", "paragraphs", "figures", "as_of", "precision")


def _locked_for_blocks(inspection, by, expected_version, reason):
    """The locked notice, saved with its default blocks if it was not yet, version checked."""
    _refuse_unless(Access.may_edit_notice, by, inspection)
    notice = _locked_notice(inspection)
    current = _check_version(notice, expected_version)
    _save_notice(notice, current=current, reason=reason)
    return notice


def _block_at(notice, position):
    block = notice.blocks.filter(position=position).first()
    if block is None:
        raise NoticeError(_("The notice has no block at position %(n)s.") % {"n": position})
    return block


def _save_block(block, reason, fields=None):
    try:
        block.full_clean(exclude=["notice"], validate_unique=False)
    except ValidationError as error:
        raise NoticeError(" ".join(error.messages)) from error
    block._change_reason = reason
    block.save(update_fields=fields)


def _move_to(block, position, reason):
    block.position = position
    block._change_reason = reason
    block.save(update_fields=["position"])


@transaction.atomic
def block_add(*, inspection, by, kind, values, expected_version):
    """A new block of `kind` at the end of the body (before the signature), with `values`."""
    notice = _locked_for_blocks(inspection, by, expected_version, REASON_ADD)
    blocks = list(notice.blocks.order_by("position"))
    if kind in (*SINGLE_KINDS, BlockKind.SIGNOFF) and any(b.kind == kind for b in blocks):
        raise NoticeError(
            _("The notice already has a block of this kind: %(kind)s.")
            % {"kind": BlockKind(kind).label}
        )
    position = len(blocks) + 1
    signoff = blocks[-1] if blocks and blocks[-1].kind == BlockKind.SIGNOFF else None
    if signoff is not None and kind != BlockKind.SIGNOFF:
        position = signoff.position
        _move_to(signoff, position + 1, REASON_ADD)
    block = NoticeBlock(notice=notice, position=position, kind=kind)
    for field, value in values.items():
        setattr(block, field, value)
    _save_block(block, REASON_ADD)
    return block


@transaction.atomic
def block_update(*, inspection, by, position, values, expected_version):
    notice = _locked_for_blocks(inspection, by, expected_version, REASON_EDIT)
    block = _block_at(notice, position)
    for field, value in values.items():
        if field not in BLOCK_FIELDS:
            raise ValueError(f"{field} is not a field of a block")
        setattr(block, field, value)
    _save_block(block, REASON_EDIT, fields=list(values))
    return block


@transaction.atomic
def block_move(*, inspection, by, position, up, expected_version):
    """Swap the block with the one above (up) or below; the signature block stays last."""
    notice = _locked_for_blocks(inspection, by, expected_version, REASON_MOVE)
    blocks = list(notice.blocks.order_by("position"))
    index = next((i for i, b in enumerate(blocks) if b.position == position), None)
    if index is None:
        raise NoticeError(_("The notice has no block at position %(n)s.") % {"n": position})
    other = index - 1 if up else index + 1
    if not 0 <= other < len(blocks):
        raise NoticeError(_("This block is already at that end of the notice."))
    first, second = blocks[index], blocks[other]
    if BlockKind.SIGNOFF in (first.kind, second.kind):
        raise NoticeError(_("The signature and date stay at the end of the notice."))
    a, b = first.position, second.position
    # Through a free position, the constraint on positions holds at every step; the
    # passage through it is not history.
    first.position = 0
    first.skip_history_when_saving = True
    first.save(update_fields=["position"])
    del first.skip_history_when_saving
    _move_to(second, a, REASON_MOVE)
    _move_to(first, b, REASON_MOVE)


@transaction.atomic
def block_remove(*, inspection, by, position, expected_version):
    notice = _locked_for_blocks(inspection, by, expected_version, REASON_REMOVE)
    block = _block_at(notice, position)
    block._change_reason = REASON_REMOVE
    block.delete()
    for later in notice.blocks.filter(position__gt=position).order_by("position"):
        _move_to(later, later.position - 1, REASON_REMOVE)


def block_at_for_reading(notice, position):
    """The block at `position` of the draft (a default one if the notice is not saved)."""
    return next((b for b in blocks_of(notice) if b.position == position), None)


# --- The wording of the ledger as the notice prints it ---------------------------------------


@transaction.atomic
def area_wording_update(*, inspection, by, area_id, title, findings, expected_version):
    """The area's title and its findings' statements and public statements.

    `findings`: {finding id: (statement, public_statement, version opened)}. A form
    opened before another save of the area or of one of its findings is refused whole.
    """
    _refuse_unless(Access.may_edit_notice, by, inspection)
    area = Area.objects.select_for_update().filter(inspection=inspection, pk=area_id).first()
    if area is None:
        raise NoticeError(_("This area is not one of the inspection's."))
    if area.version != expected_version:
        raise NoticeError(
            _(
                "Someone changed this area after you opened the form; "
                "reload it to see their changes, then edit again."
            )
        )
    rows = {f.pk: f for f in Finding.objects.select_for_update().filter(area=area)}
    if set(findings) != set(rows):
        raise NoticeError(
            _("The findings of this area changed after you opened the form; reload it.")
        )
    for pk, (statement, public_statement, version) in findings.items():
        finding = rows[pk]
        if finding.version != version:
            raise NoticeError(
                _(
                    "Someone changed finding %(number)s after you opened the form; "
                    "reload it to see their changes, then edit again."
                )
                % {"number": finding.number}
            )
        if not statement.strip():
            raise NoticeError(
                _("Finding %(number)s: the statement is empty.") % {"number": finding.number}
            )
        if (finding.statement, finding.public_statement) != (statement, public_statement):
            finding.statement, finding.public_statement = statement, public_statement
            finding.version += 1
            finding._change_reason = REASON_WORDING
            finding._history_user = by
            finding.save(update_fields=["statement", "public_statement", "version"])
    if area.title != title:
        if not title.strip():
            raise NoticeError(_("The title of the area is empty."))
        area.title = title
        area.version += 1
        area._change_reason = REASON_WORDING
        area._history_user = by
        area.save(update_fields=["title", "version"])
    return area
