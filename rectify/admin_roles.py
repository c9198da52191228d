"""三员分立: what each of the three administrators may do, as one table.

- the system administrator (系统管理员) manages accounts, units, their inspections and
  memberships, and the inspection offices, their rounds and memberships (the offices'
  problem categories are theirs to keep: shown only); never administrators' accounts,
  never the audit trail;
- the security administrator (安全管理员) reads the security policy and the login
  throttle's attempts and lockouts, and unlocks (deletes an attempt); resets a lost
  second factor (deletes the TOTP device or the recovery codes);
- the audit administrator (审计管理员) reads the audit trail (every historical record)
  and the login records, and exports them; changes nothing.

The permissions come from this table through `AdminRoleBackend`, not from groups an
administrator could edit; the role itself is set by the deployer (`set_admin_role`).
"""

from django.apps import apps
from django.contrib.auth.backends import BaseBackend
from simple_history.models import HistoricalChanges

from findings.models import AdminRole

VIEW_AUDIT_TRAIL = "rectify.view_audit_trail"
VIEW_SECURITY_POLICY = "rectify.view_security_policy"


def _model_perms(label, *actions):
    app_label, model_name = label.split(".")
    return {f"{app_label}.{action}_{model_name}" for action in actions}


def _history_perms():
    return {
        f"{model._meta.app_label}.view_{model._meta.model_name}"
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
    }


def role_permissions():
    """Administrator role → the exact permissions it has."""
    return {
        AdminRole.SYSTEM: frozenset(
            _model_perms("findings.user", "add", "change", "view")
            | _model_perms("findings.organisation", "add", "change", "view")
            | _model_perms("findings.membership", "add", "change", "delete", "view")
            | _model_perms("findings.inspection", "add", "change", "view")
            | _model_perms("findings.area", "add", "change", "view")
            | _model_perms("findings.office", "add", "change", "view")
            | _model_perms("findings.round", "add", "change", "view")
            | _model_perms("findings.officemembership", "add", "change", "delete", "view")
            | _model_perms("findings.problemcategory", "view")
        ),
        AdminRole.SECURITY: frozenset(
            {VIEW_SECURITY_POLICY}
            | _model_perms("axes.accessattempt", "view", "delete")
            | _model_perms("axes.accessfailurelog", "view")
            # A person who lost their phone: their second factor is deleted, to set up again.
            | _model_perms("otp_totp.totpdevice", "view", "delete")
            | _model_perms("otp_static.staticdevice", "view", "delete")
        ),
        AdminRole.AUDIT: frozenset(
            {VIEW_AUDIT_TRAIL} | _model_perms("rectify.loginrecord", "view") | _history_perms()
        ),
    }


class AdminRoleBackend(BaseBackend):
    """Permissions of the three administrator roles (authenticates no one)."""

    _permissions = None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if AdminRoleBackend._permissions is None:
            AdminRoleBackend._permissions = role_permissions()
        return set(AdminRoleBackend._permissions.get(user_obj.admin_role, ()))

    def has_module_perms(self, user_obj, app_label):
        return any(perm.startswith(f"{app_label}.") for perm in self.get_all_permissions(user_obj))
