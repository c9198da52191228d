"""Names of an imported ledger without an account: added to the unit on confirming.

The preview lists the names that match no member of the unit. Confirming, the principal
chooses for each: keep it as text on the findings (to link later), or add the person
as staff or as a leader, with an email address where one is known. The people are
added in the transaction that writes the import, before it is planned again, so the
findings that name them (responsible leader or person, co-responsible, measure owners)
are linked to them like to any member. Each gets a first-login link
(accounts.members); the import's page shows the principal the links.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts import members
from accounts.models import FirstLoginLink
from findings.models import Role, User

from .cells import compact

KEEP = "keep"
ACTIONS = {KEEP: "保留为文字", Role.STAFF: "添加为经办人", Role.LEADER: "添加为责任领导"}


def chosen_members(data, report):
    """([{"name", "role", "email"}], [error message]) from the confirm form's fields
    member-<i>-action and member-<i>-email, i indexing the preview's unknown names (the
    names themselves come from the preview, never from the form)."""
    chosen, errors = [], []
    for index, person in enumerate(report.get("unknown_people", [])):
        action = data.get(f"member-{index}-action", KEEP)
        email = (data.get(f"member-{index}-email") or "").strip()
        if action == KEEP:
            continue
        if action not in (Role.STAFF, Role.LEADER):
            errors.append(f"“{person['name']}”：请选择保留为文字、添加为经办人或添加为责任领导。")
            continue
        if len(person["name"]) > members.DISPLAY_NAME_MAX:
            errors.append(
                f"“{person['name'][:20]}…”超过{members.DISPLAY_NAME_MAX}个字，不能作为姓名添加。"
            )
            continue
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"“{person['name']}”的电子邮箱“{email}”格式不正确。")
                continue
        chosen.append({"name": person["name"], "role": action, "email": email})
    return chosen, errors


def add_members(*, job, by):
    """Add the people chosen on confirming `job`; returns [{"name", "role", "user_id"}].

    A name that meanwhile matches a member of the unit is not added again. Runs inside
    the import's transaction; the emails with the links go after its commit.
    """
    if not job.new_members:
        return []
    organisation = job.inspection.organisation
    existing = {
        compact(name)
        for name in User.objects.filter(memberships__organisation=organisation).values_list(
            "display_name", flat=True
        )
    }
    added = []
    for person in job.new_members:
        if compact(person["name"]) in existing:
            continue
        user, link = members.member_create(
            organisation=organisation,
            display_name=person["name"],
            role=person["role"],
            email=person.get("email", ""),
            by=by,
            reason=f"导入台账时添加：{job.filename}"[:200],
        )
        existing.add(compact(person["name"]))
        members.email_first_login(user=user, link=link, organisation=organisation)
        added.append({"name": user.display_name, "role": person["role"], "user_id": user.pk})
    return added


def added_with_links(report):
    """The people an import added, each with its latest first-login link, its state and
    its address: two queries."""
    added = report.get("added_members") or []
    if not added:
        return []
    ids = [person["user_id"] for person in added]
    users = User.objects.in_bulk(ids)
    latest = {}
    for link in FirstLoginLink.objects.filter(user__in=ids).order_by("created_at", "pk"):
        latest[link.user_id] = link
    rows = []
    for person in added:
        user, link = users.get(person["user_id"]), latest.get(person["user_id"])
        if user is None:
            continue
        state = "used" if link is None else None
        if link is not None:
            link.user = user
            state = members.link_state(link)
        rows.append(
            {
                "user": user,
                "role_label": Role(person["role"]).label,
                "state": state,
                "url": members.first_login_url(link) if state == "valid" else "",
                "expires_at": link.expires_at if link else None,
            }
        )
    return rows
