from django.urls import path

from . import review, views

app_name = "ledger"

finding = "inspections/<slug:code>/findings/<int:pk>/"
measure = finding + "measures/<int:measure_pk>/"

# The ledger list and the finding page: ledger views named findings:inspection_detail and
# findings:finding_detail (rectify/urls.py).
in_findings_namespace = [
    path("inspections/<slug:code>/", views.ledger_list, name="inspection_detail"),
    path("inspections/<slug:code>/print/", views.ledger_print, name="ledger_print"),
    path(finding, views.finding_detail, name="finding_detail"),
]

urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("work/notifications/read/", views.notifications_read, name="notifications_read"),
    path("work/sign-off/", review.bulk_sign_off, name="bulk_sign_off"),
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
    path(finding + "extension/", review.extension_ask, name="extension_ask"),
    path(
        finding + "extension/<int:request_pk>/<slug:action>/",
        review.extension_decide,
        name="extension_decide",
    ),
]
