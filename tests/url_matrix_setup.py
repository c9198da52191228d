"""The URL matrix's entries for the principal's setup pages (findings.setup_views), kept
beside tests/test_url_matrix.py, which merges them into its MATRIX."""

from django.urls import reverse


def _unit_url(name):
    def build(w):
        return reverse(name, args=[w.unit.organisation.pk])

    return build


def _member_url(name):
    def build(w):
        membership = w.unit.staff.memberships.get()
        return reverse(name, args=[w.unit.organisation.pk, membership.pk])

    return build


def _reactivate_url(w):
    return reverse("findings:member_reactivate", args=[w.unit.organisation.pk, w.former.pk])


def _reactivate(w):
    return {f"f{w.former.pk}-role": "staff", "confirmed": "1"}


def _new_member(w):
    return {"display_name": "新干事", "username": "new-clerk", "role": "staff"}


def _role_change(w):
    membership = w.unit.staff.memberships.get()
    return {f"m{membership.pk}-role": "leader", "action": "role"}


def _new_inspection(w):
    return {
        "authority": "区委",
        "group": "区委第三巡察组",
        "kind": "routine",
        "onsite_start": "2025-03-01",
        "onsite_end": "2025-04-30",
        "feedback_date": "2025-06-01",
        "signoff_levels": "1",
        "areas": "聚焦第一方面\n聚焦第二方面",
    }


def _add_area(w):
    return {"action": "add_area", "new-title": "聚焦新方面"}


def entries(*, get, post, inspection_get, inspection_post, inspection_url):
    """url name → [(method, url builder, POST data builder, expected by person)]."""
    return {
        "findings:unit_setup": [("get", _unit_url("findings:unit_setup"), None, get)],
        "findings:member_add": [("post", _unit_url("findings:member_add"), _new_member, post)],
        "findings:member_change": [
            ("post", _member_url("findings:member_change"), _role_change, post),
        ],
        # A deactivated member back: the first POST only asks to confirm.
        "findings:member_reactivate": [
            ("post", _reactivate_url, lambda w: {f"f{w.former.pk}-role": "staff"}, get),
            ("post", _reactivate_url, _reactivate, post),
        ],
        # Nothing kept in the session to show: back to the unit's page.
        "findings:member_added": [("get", _member_url("findings:member_added"), None, post)],
        "findings:inspection_new": [
            ("get", _unit_url("findings:inspection_new"), None, get),
            ("post", _unit_url("findings:inspection_new"), _new_inspection, post),
        ],
        "findings:inspection_setup": [
            ("get", inspection_url("findings:inspection_setup"), None, inspection_get),
            ("post", inspection_url("findings:inspection_setup"), _add_area, inspection_post),
        ],
    }
