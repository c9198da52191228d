from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("offices/", views.office_home, name="office_home"),
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
