from django.urls import path

from . import views

app_name = "findings"

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<slug:code>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/<slug:code>/findings/<int:pk>/category/",
        views.finding_category,
        name="finding_category",
    ),
    path("inspections/<slug:code>/print/", views.ledger_print, name="ledger_print"),
]
