from django.urls import path

from . import views

app_name = "sheets"

urlpatterns = [
    path("inspections/<slug:code>/export.xlsx", views.ledger_export, name="ledger_export"),
    path("inspections/<slug:code>/export/<uuid:job_id>/", views.export_job, name="export_job"),
    path(
        "inspections/<slug:code>/export/<uuid:job_id>/download/",
        views.export_download,
        name="export_download",
    ),
    path("inspections/<slug:code>/template.xlsx", views.ledger_template, name="ledger_template"),
    path("inspections/<slug:code>/import/", views.import_upload, name="import_upload"),
    path("inspections/<slug:code>/import/<uuid:job_id>/", views.import_job, name="import_job"),
    path(
        "inspections/<slug:code>/import/<uuid:job_id>/confirm/",
        views.import_confirm,
        name="import_confirm",
    ),
    path(
        "inspections/<slug:code>/import/<uuid:job_id>/members/<int:user_id>/link/",
        views.member_link,
        name="member_link",
    ),
    path(
        "inspections/<slug:code>/import/<uuid:job_id>/errors.xlsx",
        views.import_errors,
        name="import_errors",
    ),
]
