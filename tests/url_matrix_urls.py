"""URL and POST data builders of the URL × role matrix (tests/test_url_matrix.py): each
takes the matrix world (tests/fixtures_matrix.py) and gives the address to ask for or
the data to send."""

from django.urls import reverse
from django.utils import timezone


def _finding_url(name):
    def build(w):
        return reverse(name, args=[w.code, w.finding.pk])

    return build


def _measure_url(name, *extra):
    def build(w):
        return reverse(name, args=[w.code, w.finding.pk, w.measure.pk, *extra])

    return build


def _extension_url(action):
    def build(w):
        args = [w.code, w.submitted.pk, w.extension.pk, action]
        return reverse("ledger:extension_decide", args=args)

    return build


def _inspection_url(name):
    def build(w):
        return reverse(name, args=[w.code])

    return build


def _job_url(name):
    def build(w):
        return reverse(name, args=[w.code, w.job.pk])

    return build


def _round_url(name):
    def build(w):
        return reverse(name, args=[w.district.office.pk, w.district.round.pk])

    return build


def _office_url(name):
    def build(w):
        return reverse(name, args=[w.district.office.pk])

    return build


def _category_url(action):
    def build(w):
        office, category = w.district.office, w.district.categories[1]
        return reverse("oversight:category_change", args=[office.pk, category.pk, action])

    return build


def _progress(w):
    today = timezone.localdate().isoformat()
    return {"progress-on_date": today, "progress-text": "完成学习"}


def _finding_edit(w):
    return {"edit-version": w.finding.version, "edit-result": "新成效", "edit-kind": w.finding.kind}


def _category_name(w):
    return {f"c{w.district.categories[1].pk}-name": "全面从严治党问题"}
