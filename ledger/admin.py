from django.contrib import admin

from rectify.history_admin import ReadOnlyAdmin

from .models import Evidence, LedgerEntry, Notification, ReminderSent


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "file_type", "size", "sha256", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "finding", "kind", "author", "status_before", "status_after"]
    list_filter = ["kind", "finding__area__inspection"]
    search_fields = ["text", "finding__statement", "author__display_name"]
    list_select_related = ["finding__area", "author"]
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "file_type", "size", "sha256", "created_at"]
    list_filter = ["file_type"]
    search_fields = ["original_name", "sha256"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "entry", "read_at"]
    list_select_related = ["recipient", "entry__finding__area", "entry__author"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["sent_on", "recipient", "sent_at"]
    list_select_related = ["recipient"]
