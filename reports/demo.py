"""The seed notice, loaded by `manage.py load_demo` after findings.demo.load_seed.

Like findings/demo.py it creates what is missing and never touches what is there.
The preamble and closing are stored empty when the seed's texts are what the
notice generates from the inspection and the unit, so they stay generated.
"""

from django.db import transaction

from findings import demo as findings_demo
from findings.models import Inspection

from .document import generated_closing, generated_preamble
from .models import Notice

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
        measures_title=spec["measures_title"],
        measures=[{"lead": m["lead"], "text": m["text"]} for m in spec["measures"]],
        next_steps_lead=spec["next_steps_lead"],
        next_steps=[{"lead": s["lead"], "text": s["text"]} for s in spec["next_steps"]],
        closing="" if closing == generated_closing(inspection.organisation) else closing,
    )
    notice._change_reason = REASON
    notice.save()
    return {"created": 1, "present": 0}
