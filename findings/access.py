"""Who may do what: the one access policy, built once per request from the memberships.

`access_for(request)` reads the user's memberships (one query) and keeps the policy on
the request. Views take their object and its bound access from `inspection_for` /
`finding_for`: a non-member gets 404, a member without the permission asked for
(`need=`) 403. Templates read the booleans of the bound access (`access.may_import`),
list selectors take its query filters, and services ask the same policy again before
they write. The workflow's actors are defined here (ACTORS); the steps they take are
the table of findings.workflow.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Value
from django.http import Http404
from django.shortcuts import get_object_or_404

from . import workflow
from .models import Finding, Inspection, Membership, Role
from .offices import OFFICE_READER, office_inspections

# Members who take part in the ledger; inspectors read only.
WRITER_ROLES = frozenset({Role.STAFF, Role.LEADER, Role.PRINCIPAL})
# Who brings a workbook into the ledger of their unit.
IMPORTER_ROLES = frozenset({Role.PRINCIPAL, Role.STAFF})
# Who edits and publishes the unit's notice.
NOTICE_ROLES = frozenset({Role.PRINCIPAL})
# Who adds people to the unit (names of an imported ledger) and renews their links.
MEMBER_ROLES = frozenset({Role.PRINCIPAL})


@dataclass(frozen=True)
class Actor:
    """Who is this actor for a finding: a member of its unit whose role is in `roles`,
    its responsible person with a role in `as_person`, its responsible leader with a
    role in `as_leader`."""

    roles: frozenset = frozenset()
    as_person: frozenset = frozenset()
    as_leader: frozenset = frozenset()

    @property
    def any_roles(self):
        return self.roles | self.as_person | self.as_leader


ACTORS = {
    workflow.EDITOR: Actor(roles=frozenset({Role.STAFF, Role.PRINCIPAL}), as_person=WRITER_ROLES),
    workflow.SUBMITTER: Actor(roles=frozenset({Role.STAFF}), as_person=WRITER_ROLES),
    workflow.REVIEWER: Actor(roles=frozenset({Role.PRINCIPAL}), as_leader=frozenset({Role.LEADER})),
    workflow.LEADER: Actor(as_leader=frozenset({Role.LEADER, Role.PRINCIPAL})),
    workflow.PRINCIPAL: Actor(roles=frozenset({Role.PRINCIPAL})),
}

# The roles of everyone who may sign off (or endorse) some finding: reminder recipients.
SIGN_OFF_ROLES = frozenset().union(
    *(
        ACTORS[t.actor].any_roles
        for t in workflow.TRANSITIONS
        if t.action in workflow.SIGN_OFF_ACTIONS
    )
)

_UNIT = "area__inspection__organisation_id__in"  # a finding's unit, in query filters


class Access:
    """What one user may do, from their memberships ({organisation id: role})."""

    def __init__(self, user, roles, office_reads=frozenset()):
        self.user = user
        self.roles = roles
        # Inspections read, read-only, as a member of the office of their round.
        self.office_reads = office_reads

    @classmethod
    def of(cls, user):
        """The policy of one user: one query (none for an anonymous user).

        The query joins the memberships and the office read rule (findings.offices).
        """
        if not user.is_authenticated:
            return cls(user, {})
        # No ORDER BY in either part: SQLite refuses one inside a compound statement.
        memberships = (
            Membership.objects.filter(user=user).order_by().values_list("organisation_id", "role")
        )
        reads = office_inspections(user).order_by().values_list("pk", Value(OFFICE_READER))
        roles, office_reads = {}, set()
        for key, role in memberships.union(reads, all=True):
            if role == OFFICE_READER:
                office_reads.add(key)
            else:
                roles[key] = role
        return cls(user, roles, frozenset(office_reads))

    @classmethod
    def of_users(cls, users):
        """The policies of several users, in their order, in one query."""
        users = list(users)
        roles = {user.pk: {} for user in users}
        memberships = Membership.objects.filter(user__in=users).values_list(
            "user_id", "organisation_id", "role"
        )
        for user_id, organisation_id, role in memberships:
            roles[user_id][organisation_id] = role
        return [cls(user, roles[user.pk]) for user in users]

    def role_in(self, organisation_id):
        """The user's role in that unit, or None for a non-member."""
        return self.roles.get(organisation_id)

    def _units(self, roles):
        return sorted(unit for unit, role in self.roles.items() if role in roles)

    def _role_for(self, inspection):
        return self.roles.get(inspection.organisation_id)

    # --- one inspection -----------------------------------------------------------------

    def may_read(self, inspection):
        """Members read everything of their unit: ledger, dashboard, evidence, notice;
        so does the office of the inspection's round (and nothing more)."""
        return self._role_for(inspection) is not None or inspection.pk in self.office_reads

    def may_write(self, inspection):
        return self._role_for(inspection) in WRITER_ROLES

    def may_import(self, inspection):
        return self._role_for(inspection) in IMPORTER_ROLES

    def may_export(self, inspection):
        return self.may_read(inspection)

    def may_add_members(self, inspection):
        return self._role_for(inspection) in MEMBER_ROLES

    def may_edit_notice(self, inspection):
        return self._role_for(inspection) in NOTICE_ROLES

    def may_publish_notice(self, inspection):
        return self._role_for(inspection) in NOTICE_ROLES

    # --- one finding (its area.inspection is read) ----------------------------------------

    def is_actor(self, actor, finding):
        """Whether the user is this actor of the workflow for the finding."""
        rule = ACTORS[actor]
        role = self._role_for(finding.area.inspection)
        if role is None:
            return False
        me = self.user.pk
        return (
            role in rule.roles
            or (finding.responsible_person_id == me and role in rule.as_person)
            or (finding.responsible_leader_id == me and role in rule.as_leader)
        )

    def may_edit(self, finding):
        """Progress, evidence, result text, measures (while not signed off: findings.editing)."""
        return self.is_actor(workflow.EDITOR, finding)

    def signs_own_submission(self, transition, submitter):
        """Nobody signs off (or endorses) what they submitted themselves."""
        return (
            transition.action in workflow.SIGN_OFF_ACTIONS
            and submitter is not None
            and submitter.pk == self.user.pk
        )

    def takes_back_others_submission(self, transition, submitter):
        """A step for the submitter alone (撤回) taken by someone else."""
        return transition.own_submission and (submitter is None or submitter.pk != self.user.pk)

    def may_take(self, action, finding, *, submitter=None):
        """Whether the user may take this step of the workflow on the finding now."""
        t = workflow.transition_for(finding, action)
        return (
            t is not None
            and self.is_actor(t.actor, finding)
            and not self.signs_own_submission(t, submitter)
            and not self.takes_back_others_submission(t, submitter)
        )

    def may_take_extension(self, action, finding, request=None):
        """Whether the user may take this step of an extension request (延期申请) now:
        ask (request None), approve, refuse or withdraw the pending `request`."""
        state = request.state if request is not None else workflow.NEW
        t = workflow.extension_transition_for(state, action)
        if t is None or finding.is_signed_off:
            return False
        if t.actor == workflow.REQUESTER:
            return request.requested_by_id == self.user.pk
        if not self.is_actor(t.actor, finding):
            return False
        # Nobody decides a request they made themselves.
        return request is None or request.requested_by_id != self.user.pk

    def available_actions(self, finding, *, submitter=None):
        """The transitions the user may take now (the buttons of the finding page)."""
        return [
            workflow.transition_for(finding, action)
            for action in workflow.ACTIONS
            if self.may_take(action, finding, submitter=submitter)
        ]

    # --- query filters for lists, from the same rules ------------------------------------

    def inspection_filter(self):
        """Inspections the user may read."""
        return Q(organisation_id__in=self._units(set(Role))) | Q(pk__in=sorted(self.office_reads))

    def actor_filter(self, actor):
        """Findings for which the user is this actor (see `is_actor`)."""
        rule = ACTORS[actor]
        q = Q(**{_UNIT: self._units(rule.roles)})
        if rule.as_person:
            q |= Q(responsible_person_id=self.user.pk, **{_UNIT: self._units(rule.as_person)})
        if rule.as_leader:
            q |= Q(responsible_leader_id=self.user.pk, **{_UNIT: self._units(rule.as_leader)})
        return q

    def action_filter(self, actions):
        """Findings on which the user may take one of these actions now (see `may_take`;
        the rules on the submitter (no sign-off of one's own submission, 撤回 by the
        submitter alone) need the submitter, which the caller filters)."""
        q = Q(pk__in=[])
        for t in workflow.TRANSITIONS:
            if t.action in actions:
                q |= Q(
                    status=t.source, area__inspection__signoff_levels__in=t.levels
                ) & self.actor_filter(t.actor)
        return q

    # --- bound to one object, for views and templates ------------------------------------

    def to_inspection(self, inspection):
        return InspectionAccess(self, inspection)

    def to_finding(self, finding):
        return FindingAccess(self, finding.area.inspection, finding)


def _asks(question):
    """A boolean of the bound access: the policy's question about the bound inspection."""
    return property(lambda self: getattr(self.access, question)(self.inspection))


class InspectionAccess:
    """The policy bound to one inspection: booleans for templates, `require` for views."""

    def __init__(self, access, inspection):
        self.access, self.inspection = access, inspection

    @property
    def role(self):
        return self.access.role_in(self.inspection.organisation_id)

    @property
    def role_label(self):
        return Role(self.role).label if self.role else ""

    may_read = _asks("may_read")
    may_write = _asks("may_write")
    may_import = _asks("may_import")
    may_export = _asks("may_export")
    may_add_members = _asks("may_add_members")
    may_edit_notice = _asks("may_edit_notice")
    may_publish_notice = _asks("may_publish_notice")

    def require(self, need):
        """404 for a non-member, 403 for a member without `may_<need>`."""
        if not self.may_read:
            raise Http404
        if not getattr(self, f"may_{need}"):
            raise PermissionDenied


class FindingAccess(InspectionAccess):
    """The policy bound to one finding (and its inspection)."""

    def __init__(self, access, inspection, finding):
        super().__init__(access, inspection)
        self.finding = finding

    @property
    def may_edit(self):
        return self.access.may_edit(self.finding)

    def is_actor(self, actor):
        return self.access.is_actor(actor, self.finding)

    def may_take(self, action, *, submitter=None):
        return self.access.may_take(action, self.finding, submitter=submitter)

    def available_actions(self, *, submitter=None):
        return self.access.available_actions(self.finding, submitter=submitter)

    def may_take_extension(self, action, request=None):
        return self.access.may_take_extension(action, self.finding, request)


# --- for views --------------------------------------------------------------------------


def access_for(request):
    """The request user's policy, built at the first question and kept on the request."""
    access = getattr(request, "_rectify_access", None)
    if access is None:
        access = request._rectify_access = Access.of(request.user)
    return access


def inspection_for(request, code, *, need="read"):
    """(inspection, its access): 404 for a non-member, 403 without `may_<need>`."""
    inspection = get_object_or_404(Inspection.objects.select_related("organisation"), code=code)
    access = access_for(request).to_inspection(inspection)
    access.require(need)
    return inspection, access


def finding_for(request, code, pk, *, need="read"):
    """(finding of that inspection, its access): 404 / 403 as `inspection_for`.

    Every need beyond reading first needs a member who takes part in the ledger
    (inspectors: 403 before the finding is looked up).
    """
    inspection, _ = inspection_for(request, code, need="read" if need == "read" else "write")
    finding = get_object_or_404(
        Finding.objects.select_related(
            "area", "responsible_leader", "responsible_person", "signed_off_by"
        ),
        pk=pk,
        area__inspection=inspection,
    )
    finding.area.inspection = inspection
    access = access_for(request).to_finding(finding)
    access.require(need)
    return finding, access
