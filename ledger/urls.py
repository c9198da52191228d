from django.urls import path

from . import views

app_name = "ledger"

finding = "inspections/<slug:code>/findings/<int:pk>/"
measure = finding + "measures/<int:measure_pk>/"

# The finding page: a ledger view named findings:finding_detail (rectify/urls.py).
in_findings_namespace = [path(finding, views.finding_detail, name="finding_detail")]

urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("work/notifications/read/", views.notifications_read, name="notifications_read"),
    path("inspections/<slug:code>/dashboard/", views.dashboard, name="dashboard"),
    path("inspections/<slug:code>/names/", views.unlinked_names, name="unlinked_names"),
    path("inspections/<slug:code>/names/link/", views.link_name, name="link_name"),
    path(
        "inspections/<slug:code>/evidence/<uuid:public_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(finding + "progress/", views.add_progress, name="add_progress"),
    path(finding + "edit/", views.edit_finding, name="edit_finding"),
    path(finding + "measures/", views.add_measure, name="add_measure"),
    path(measure + "edit/", views.edit_measure, name="edit_measure"),
    path(measure + "done/", views.complete_measure, name="complete_measure"),
    path(measure + "move/<str:direction>/", views.move_measure, name="move_measure"),
    path(finding + "actions/<slug:action>/", views.take_action, name="take_action"),
]
