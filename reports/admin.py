from django.contrib import admin

from rectify.history_admin import ReadOnlyHistoryAdmin

from .models import Notice, NoticeVersion, NoticeWithdrawal


class NoticeVersionInline(admin.TabularInline):
    """Published versions are frozen: listed, never changed, added or removed here."""

    model = NoticeVersion
    extra = 0
    can_delete = False
    fields = ["number", "published_at", "published_by", "public_id", "pdf_sha256", "docx_sha256"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "inspection", "version", "updated_at"]
    list_select_related = ["inspection__organisation"]
    search_fields = ["inspection__code", "inspection__organisation__name", "title"]
    readonly_fields = ["version", "updated_at"]
    inlines = [NoticeVersionInline]


@admin.register(NoticeVersion)
class NoticeVersionAdmin(admin.ModelAdmin):
    list_display = ["notice", "number", "published_at", "published_by"]
    list_select_related = ["notice__inspection__organisation", "published_by"]
    readonly_fields = [
        "notice",
        "number",
        "public_id",
        "published_at",
        "published_by",
        "notice_version",
        "paragraphs",
        "html",
        "html_sha256",
        "pdf",
        "pdf_sha256",
        "docx",
        "docx_sha256",
        "internal_html",
        "internal_html_sha256",
        "internal_pdf",
        "internal_pdf_sha256",
        "internal_docx",
        "internal_docx_sha256",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NoticeWithdrawal)
class NoticeWithdrawalAdmin(admin.ModelAdmin):
    """Withdrawals are appended by the principal in the app: read here, never changed."""

    list_display = ["version", "withdrawn_at", "withdrawn_by"]
    list_select_related = ["version__notice__inspection__organisation", "withdrawn_by"]
    readonly_fields = ["version", "reason", "withdrawn_at", "withdrawn_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
