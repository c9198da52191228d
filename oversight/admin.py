from django.contrib import admin

from ledger.admin import ReadOnlyAdmin
from rectify.history_admin import ReadOnlyHistoryAdmin

from .models import SupervisionOrder, SupervisionStep


class SupervisionStepInline(admin.TabularInline):
    model = SupervisionStep
    extra = 0
    fields = ["kind", "author", "created_at", "text", "reply_deadline", "state_after"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin, ReadOnlyHistoryAdmin):
    """Orders change through their steps only: the admin shows them."""

    list_display = ["__str__", "office", "inspection", "state", "reply_deadline", "created_at"]
    list_filter = ["state", "office"]
    list_select_related = ["inspection__organisation"]
    inlines = [SupervisionStepInline]
