from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.urls import path
from django_tasks_db.models import DBTaskResult

from .exports import table_response
from .history_admin import ReadOnlyAdmin
from .models import LoginRecord


@admin.register(LoginRecord)
class LoginRecordAdmin(ReadOnlyAdmin):
    """Login records are append-only: listed, searched and exported, never changed."""

    list_display = ["at", "kind", "username", "user", "address", "user_agent"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "address", "user_agent"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in LoginRecord._meta.fields]

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        name = "rectify_loginrecord_export"
        return [path("export/<str:fmt>/", export, name=name), *super().get_urls()]

    def export_view(self, request, fmt):
        """The records the changelist shows with the same filters, as a download."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            records = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("筛选条件无效")
        rows = (
            [r.at, r.get_kind_display(), r.username, r.address, r.user_agent]
            for r in records.iterator(chunk_size=2000)
        )
        header = ["时间", "类型", "用户名", "地址", "浏览器"]
        return table_response(fmt=fmt, filename="登录记录", header=header, rows=rows)


# django-tasks-db's own admin of the task queue: the job pages show what a person needs,
# and none of the three administrators (三员分立) is the one to read or change tasks.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
