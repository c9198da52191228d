from django.urls import path

from . import setup_views, views

app_name = "findings"

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path(
        "inspections/<slug:code>/findings/<int:pk>/category/",
        views.finding_category,
        name="finding_category",
    ),
    # The principal's setup pages (findings.setup_views)
    path("inspections/<slug:code>/setup/", setup_views.inspection_setup, name="inspection_setup"),
    path("units/<int:organisation_id>/", setup_views.unit_setup, name="unit_setup"),
    path("units/<int:organisation_id>/members/", setup_views.member_add, name="member_add"),
    path(
        "units/<int:organisation_id>/members/<int:membership_id>/",
        setup_views.member_change,
        name="member_change",
    ),
    path(
        "units/<int:organisation_id>/members/<int:membership_id>/added/",
        setup_views.member_added,
        name="member_added",
    ),
    path(
        "units/<int:organisation_id>/former-members/<int:user_id>/reactivate/",
        setup_views.member_reactivate,
        name="member_reactivate",
    ),
    path(
        "units/<int:organisation_id>/inspections/new/",
        setup_views.inspection_new,
        name="inspection_new",
    ),
]
