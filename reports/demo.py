"""The seed notice, loaded by `manage.py load_demo` after findings.demo.load_seed.

Like findings/demo.py it creates what is missing and never touches what is there.
The preamble and closing are stored empty when the seed's texts are what the
notice generates from the inspection and the unit, so they stay generated.
"""

from django.db import transaction

from findings import demo as findings_demo
from findings.models import Inspection

from .document import generated_closing, generated_preamble
from .models import (
    NEXT_STEPS_HEADING,
    RESULTS_HEADING,
    BlockKind,
    LedgerShape,
    Notice,
    NoticeBlock,
    SectionStyle,
)

REASON = findings_demo.REASON


@transaction.atomic
def load_notice(seed=None):
    """Create the seed inspection's notice if it has none; return counts."""
    seed = seed or findings_demo.read_seed()
    spec = seed["notice"]
    inspection = Inspection.objects.select_related("organisation").get(
        code=seed["inspection"]["code"]
    )
    if Notice.objects.filter(inspection=inspection).exists():
        return {"created": 0, "present": 1}
    preamble = spec["preamble"]
    closing = spec["closing"]
    notice = Notice(
        inspection=inspection,
        title=spec["title"],
        preamble="" if preamble == generated_preamble(inspection) else preamble,
    )
    notice._change_reason = REASON
    notice.save()
    steps = [{"lead": "", "text": spec["next_steps_lead"]}] if spec["next_steps_lead"] else []
    blocks = [
        NoticeBlock(
            kind=BlockKind.SECTION,
            heading=spec["measures_title"],
            style=SectionStyle.NUMBERED,
            paragraphs=[{"lead": m["lead"], "text": m["text"]} for m in spec["measures"]],
        ),
        NoticeBlock(kind=BlockKind.LEDGER, heading=RESULTS_HEADING, style=LedgerShape.AREAS),
        NoticeBlock(
            kind=BlockKind.SECTION,
            heading=NEXT_STEPS_HEADING,
            style=SectionStyle.ORDINAL,
            paragraphs=steps + [{"lead": s["lead"], "text": s["text"]} for s in spec["next_steps"]],
        ),
        NoticeBlock(
            kind=BlockKind.CLOSING,
            text="" if closing == generated_closing(inspection.organisation) else closing,
        ),
    ]
    for position, block in enumerate(blocks, start=1):
        block.notice, block.position = notice, position
        block._change_reason = REASON
        block.save()
    return {"created": 1, "present": 0}
