from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("offices/", views.office_home, name="office_home"),
    path("offices/<int:office_id>/categories/", views.office_categories, name="office_categories"),
    path(
        "offices/<int:office_id>/categories/<int:category_id>/<slug:action>/",
        views.category_change,
        name="category_change",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/",
        views.round_dashboard,
        name="round_dashboard",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/findings/",
        views.round_findings,
        name="round_findings",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/dashboard.xlsx",
        views.round_export,
        name="round_export",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/summary/",
        views.round_summary,
        name="round_summary",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/summary.pdf",
        views.round_summary_pdf,
        name="round_summary_pdf",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/summary.docx",
        views.round_summary_docx,
        name="round_summary_docx",
    ),
    path(
        "offices/<int:office_id>/rounds/<int:round_id>/summary/publish/",
        views.round_summary_publish,
        name="round_summary_publish",
    ),
    path("round-summaries/<uuid:public_id>/", views.public_round_summary, name="public_summary"),
    path(
        "round-summaries/<uuid:public_id>/pdf/",
        views.public_round_summary_pdf,
        name="public_summary_pdf",
    ),
    path(
        "round-summaries/<uuid:public_id>/docx/",
        views.public_round_summary_docx,
        name="public_summary_docx",
    ),
    path("inspections/<slug:code>/supervision/", views.unit_orders, name="unit_orders"),
    path("inspections/<slug:code>/supervision/new/", views.order_new, name="order_new"),
    path("supervision/<uuid:public_id>/", views.order_detail, name="order_detail"),
    path(
        "supervision/<uuid:public_id>/evidence/<uuid:evidence_id>/",
        views.reply_evidence,
        name="reply_evidence",
    ),
    path("supervision/<uuid:public_id>/<slug:action>/", views.order_step, name="order_step"),
]
