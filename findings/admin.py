from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from rectify.history_admin import ReadOnlyHistoryAdmin

from .models import (
    Area,
    Finding,
    Inspection,
    Measure,
    Membership,
    Office,
    OfficeMembership,
    Organisation,
    ProblemCategory,
    Round,
    User,
)


class TemporaryPasswordMixin:
    """A password an administrator sets for someone else is temporary: it must be
    changed at the next login (the accounts app's gate sends them to do it)."""

    def set_password_and_save(self, user, commit=True, **kwargs):
        user.must_change_password = self.cleaned_data["set_usable_password"]
        return super().set_password_and_save(user, commit=commit, **kwargs)


class TemporaryPasswordChangeForm(TemporaryPasswordMixin, AdminPasswordChangeForm):
    pass


class TemporaryPasswordUserCreationForm(TemporaryPasswordMixin, AdminUserCreationForm):
    pass


class OrdinaryMembersOnly:
    """Only a superuser gives an administrator's account a membership in a unit."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(is_superuser=False, admin_role="")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(OrdinaryMembersOnly, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


class OfficeMembershipInline(OrdinaryMembersOnly, admin.TabularInline):
    model = OfficeMembership
    extra = 0
    autocomplete_fields = ["user", "office"]


@admin.register(User)
class UserAdmin(ReadOnlyHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "job_title", "email", "is_active", "admin_role"]
    list_filter = ["is_active", "admin_role", "memberships__role", "memberships__organisation"]
    search_fields = ["username", "display_name", "job_title", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Rectify"), {"fields": ["display_name", "job_title"]}),
        (_("Password policy"), {"fields": ["must_change_password", "password_changed_at"]}),
    ]
    readonly_fields = ["password_changed_at"]
    # A password set here for someone else is temporary: changed at their next login.
    add_form = TemporaryPasswordUserCreationForm
    change_password_form = TemporaryPasswordChangeForm
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "display_name", "job_title", "password1", "password2"],
            },
        ),
    ]
    inlines = [MembershipInline]
    # Who may make an account an administrator or a superuser: a superuser only.
    PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions", "admin_role")

    def user_change_password(self, request, id, form_url=""):
        # One's own password is changed on the account page, which asks for the old one.
        if str(request.user.pk) == unquote(id):
            return redirect("accounts:password_change")
        return super().user_change_password(request, id, form_url)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: the history names who made each change.
        return False

    def has_change_permission(self, request, obj=None):
        # The system administrator manages ordinary accounts: an administrator's account
        # (or a superuser's) is the deployer's, so no administrator takes over another.
        if obj is not None and obj.is_privileged and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        if request.user.is_superuser:
            return [*fieldsets, (_("Administrator"), {"fields": ["admin_role"]})]
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in self.PRIVILEGE_FIELDS],
                },
            )
            for name, options in fieldsets
        ]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "short_name", "phone", "email"]
    search_fields = ["name", "short_name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(OrdinaryMembersOnly, ReadOnlyHistoryAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__display_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "code", "authority", "onsite_start", "feedback_date"]
    list_select_related = ["organisation"]
    list_filter = ["kind", "signoff_levels", "round", "organisation"]
    search_fields = ["code", "organisation__name", "group", "authority"]
    date_hierarchy = "feedback_date"
    inlines = [AreaInline]

    @admin.display(description=_("inspection"), ordering="organisation__name")
    def title(self, inspection):
        return inspection.title


@admin.register(Area)
class AreaAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "inspection", "position"]
    list_filter = ["inspection"]
    search_fields = ["title"]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    autocomplete_fields = ["owner"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "__str__",
        "area",
        "kind",
        "status",
        "responsible_leader",
        "responsible_person",
        "deadline",
    ]
    list_filter = ["status", "kind", "area__inspection", "responsible_leader"]
    search_fields = ["statement", "detail", "result", "responsible_department"]
    list_select_related = ["area", "responsible_leader", "responsible_person"]
    autocomplete_fields = ["responsible_leader", "responsible_person", "signed_off_by"]
    readonly_fields = ["version"]
    inlines = [MeasureInline]


@admin.register(Measure)
class MeasureAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "finding", "owner", "deadline", "done_on"]
    list_filter = ["finding__area__inspection"]
    search_fields = ["text"]
    autocomplete_fields = ["owner"]


# --- the inspection office (三员分立: the system administrator's, like units) -----------


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0


class ProblemCategoryInline(admin.TabularInline):
    """The office keeps its categories on its own pages (oversight.categories): here
    they are shown, read-only for the system administrator (rectify.admin_roles)."""

    model = ProblemCategory
    extra = 0
    fields = ["position", "name", "retired_at"]


@admin.register(Office)
class OfficeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "short_name", "green_days", "yellow_days"]
    search_fields = ["name", "short_name"]
    inlines = [OfficeMembershipInline, RoundInline, ProblemCategoryInline]


class RoundInspectionInline(admin.TabularInline):
    """The inspections of a round: a unit joins a round on its inspection's page."""

    model = Inspection
    extra = 0
    fields = ["code", "organisation", "group", "kind", "feedback_date"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Round)
class RoundAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "office", "year", "number"]
    list_filter = ["office", "year"]
    search_fields = ["office__name", "groups"]
    inlines = [RoundInspectionInline]


@admin.register(OfficeMembership)
class OfficeMembershipAdmin(OrdinaryMembersOnly, ReadOnlyHistoryAdmin):
    list_display = ["user", "office", "role"]
    list_filter = ["role", "office"]
    search_fields = ["user__username", "user__display_name", "office__name"]
    autocomplete_fields = ["user", "office"]


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "office", "position", "retired_at"]
    list_filter = ["office", "retired_at"]
    search_fields = ["name", "office__name"]
    ordering = ["office", "position"]
