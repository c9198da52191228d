from django.urls import path

from . import compose_views, version_views, views

app_name = "reports"

urlpatterns = [
    path("inspections/<slug:code>/notice/", views.notice_detail, name="notice_detail"),
    path("inspections/<slug:code>/notice/edit/", views.notice_edit, name="notice_edit"),
    path(
        "inspections/<slug:code>/notice/blocks/add/",
        compose_views.notice_block_add,
        name="notice_block_add",
    ),
    path(
        "inspections/<slug:code>/notice/blocks/<int:position>/",
        compose_views.notice_block_edit,
        name="notice_block_edit",
    ),
    path(
        "inspections/<slug:code>/notice/blocks/<int:position>/move/",
        compose_views.notice_block_move,
        name="notice_block_move",
    ),
    path(
        "inspections/<slug:code>/notice/blocks/<int:position>/remove/",
        compose_views.notice_block_remove,
        name="notice_block_remove",
    ),
    path(
        "inspections/<slug:code>/notice/wording/",
        compose_views.notice_wording,
        name="notice_wording",
    ),
    path(
        "inspections/<slug:code>/notice/wording/<int:area_id>/",
        compose_views.notice_wording_area,
        name="notice_wording_area",
    ),
    path("inspections/<slug:code>/notice/preview/", views.notice_preview, name="notice_preview"),
    path(
        "inspections/<slug:code>/notice/preview.pdf",
        views.notice_draft_pdf,
        name="notice_draft_pdf",
    ),
    path(
        "inspections/<slug:code>/notice/preview.docx",
        views.notice_draft_docx,
        name="notice_draft_docx",
    ),
    path("inspections/<slug:code>/notice/publish/", views.notice_publish, name="notice_publish"),
    path(
        "inspections/<slug:code>/notice/publish/<int:job_id>/",
        views.publish_job,
        name="publish_job",
    ),
    path("inspections/<slug:code>/notice/diff/", views.notice_diff, name="notice_diff"),
    path(
        "inspections/<slug:code>/notice/withholding/",
        version_views.notice_withholding,
        name="notice_withholding",
    ),
    path(
        "inspections/<slug:code>/notice/versions/<int:number>/withdraw/",
        version_views.notice_withdraw,
        name="notice_withdraw",
    ),
    # The internal version (党内通报) of a published version: members only.
    path(
        "inspections/<slug:code>/notice/versions/<int:number>/internal/",
        version_views.internal_notice,
        name="internal_notice",
    ),
    path(
        "inspections/<slug:code>/notice/versions/<int:number>/internal/<slug:kind>/",
        version_views.internal_notice,
        name="internal_notice_file",
    ),
    # Public: a published version at its unguessable address, no login.
    path("notices/<uuid:public_id>/", views.public_notice, name="public_notice"),
    path("notices/<uuid:public_id>/pdf/", views.public_notice_pdf, name="public_notice_pdf"),
    path("notices/<uuid:public_id>/docx/", views.public_notice_docx, name="public_notice_docx"),
    # Public: the notice's stable address, always its latest version not withdrawn.
    path("notices/current/<uuid:public_id>/", version_views.current_notice, name="current_notice"),
]
