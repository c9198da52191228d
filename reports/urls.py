from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("inspections/<slug:code>/notice/", views.notice_detail, name="notice_detail"),
    path("inspections/<slug:code>/notice/edit/", views.notice_edit, name="notice_edit"),
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
    # Public: a published version at its unguessable address, no login.
    path("notices/<uuid:public_id>/", views.public_notice, name="public_notice"),
    path("notices/<uuid:public_id>/pdf/", views.public_notice_pdf, name="public_notice_pdf"),
    path("notices/<uuid:public_id>/docx/", views.public_notice_docx, name="public_notice_docx"),
]
