"""The Django admin for the three administrators (rectify.admin_roles).

Only a superuser or an account with an administrator role may enter; each sees the
models their role's permissions name, plus the pages of this module: the audit trail
(audit administrator) and the security policy (security administrator).
"""

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .admin_roles import VIEW_AUDIT_TRAIL, VIEW_SECURITY_POLICY
from .exports import table_response
from .models import KEPT_DAYS

TRAIL_PER_PAGE = 100
HISTORY_TYPES = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


class AuditTrailFilter(forms.Form):
    model = forms.ChoiceField(label=_("table"), required=False)
    username = forms.CharField(label=_("username"), required=False, max_length=150)
    since = forms.DateField(label=_("from"), required=False)
    until = forms.DateField(label=_("until"), required=False)
    reason = forms.CharField(label=_("change reason"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.models = selectors.historical_models()
        self.fields["model"].choices = [("", _("all"))] + [
            (label, model.instance_type._meta.verbose_name) for label, model in self.models.items()
        ]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def records(self):
        """The filtered audit trail (nothing when the filter is invalid)."""
        if not self.is_valid():
            return []
        data = self.cleaned_data
        user_ids = None
        if data["username"]:
            user_ids = list(
                get_user_model()
                .objects.filter(username=data["username"])
                .values_list("pk", flat=True)
            )
        zone = timezone.get_current_timezone()
        since = data["since"] and datetime.combine(data["since"], time.min, zone)
        until = data["until"] and datetime.combine(data["until"] + timedelta(1), time.min, zone)
        return selectors.audit_trail(
            labels=[data["model"]] if data["model"] else None,
            user_ids=user_ids,
            since=since,
            until=until,
            reason=data["reason"],
        )


def _history_url(model, object_id):
    # The object's own history page (field-by-field changes), where the admin has one.
    instance_model = model.instance_type
    opts = instance_model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id])
    except NoReverseMatch:
        return None


def _validator_names():
    return ", ".join(v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS)


def _without_page(query):
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


class RectifyAdminSite(admin.AdminSite):
    index_template = "admin/rectify_index.html"
    site_header = _("Rectification ledger · system administration")
    site_title = _("System administration")
    index_title = _("Administration home")

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or bool(getattr(user, "admin_role", "")))

    def get_urls(self):
        ours = [
            path("audit-trail/", self.admin_view(self.audit_trail), name="audit_trail"),
            path(
                "audit-trail/export/<str:fmt>/",
                self.admin_view(self.audit_trail_export),
                name="audit_trail_export",
            ),
            path(
                "security-policy/",
                self.admin_view(self.security_policy),
                name="security_policy",
            ),
        ]
        return ours + super().get_urls()

    def each_context(self, request):
        context = super().each_context(request)
        context["may_read_audit_trail"] = request.user.has_perm(VIEW_AUDIT_TRAIL)
        context["may_read_security_policy"] = request.user.has_perm(VIEW_SECURITY_POLICY)
        return context

    def _rows(self, records, models):
        users = dict(get_user_model().objects.values_list("pk", "username"))
        for record in records:
            model = models[record["model"]]
            yield {
                **record,
                "table": model.instance_type._meta.verbose_name,
                "kind": HISTORY_TYPES.get(record["history_type"], record["history_type"]),
                "username": users.get(record["history_user_id"], ""),
                "url": _history_url(model, record["id"]),
            }

    def audit_trail(self, request):
        if not request.user.has_perm(VIEW_AUDIT_TRAIL):
            raise PermissionDenied
        form = AuditTrailFilter(request.GET)
        page = Paginator(form.records(), TRAIL_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **self.each_context(request),
            "title": _("Audit trail"),
            "form": form,
            "page": page,
            "rows": list(self._rows(page.object_list, form.models)),
            "query": _without_page(request.GET),
        }
        return TemplateResponse(request, "admin/rectify/audit_trail.html", context)

    def audit_trail_export(self, request, fmt):
        if not request.user.has_perm(VIEW_AUDIT_TRAIL):
            raise PermissionDenied
        form = AuditTrailFilter(request.GET)
        rows = (
            [
                row["history_date"],
                row["table"],
                row["id"],
                row["kind"],
                row["username"],
                row["history_change_reason"],
            ]
            for row in self._rows(form.records(), form.models)
        )
        header = ["时间", "数据表", "对象编号", "操作", "操作人", "变更原因"]
        return table_response(fmt=fmt, filename="审计记录", header=header, rows=rows)

    def security_policy(self, request):
        if not request.user.has_perm(VIEW_SECURITY_POLICY):
            raise PermissionDenied
        lockout = settings.AXES_COOLOFF_TIME
        context = {
            **self.each_context(request),
            "title": _("Security policy"),
            "policy": [
                (_("failed logins before a lock"), settings.AXES_FAILURE_LIMIT),
                (_("lock lasts (minutes)"), int(lockout.total_seconds() // 60)),
                (_("session ends after (seconds without a request)"), settings.SESSION_COOKIE_AGE),
                (_("password checks"), _validator_names()),
                (_("HTTPS only"), settings.SECURE_SSL_REDIRECT),
                (_("login records kept (days)"), KEPT_DAYS),
                (_("largest evidence file (bytes)"), settings.EVIDENCE_MAX_BYTES),
                (_("evidence file types"), ", ".join(settings.EVIDENCE_TYPES)),
            ],
        }
        return TemplateResponse(request, "admin/rectify/security_policy.html", context)
