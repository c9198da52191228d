from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from findings import urls as findings_urls
from ledger import urls as ledger_urls
from ledger import views as ledger_views

# The finding page is the ledger's view, under its old name findings:finding_detail
# (which every page, email and reminder links to); findings imports nothing from ledger.
findings_patterns = [*findings_urls.urlpatterns, *ledger_urls.in_findings_namespace]

urlpatterns = [
    path("", ledger_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include((findings_patterns, findings_urls.app_name))),
    path("", include("sheets.urls")),
    path("", include("ledger.urls")),
    path("", include("reports.urls")),
    path("", include("oversight.urls")),
]

# A database that is away gives the 503 page also when a middleware hit it.
handler500 = "rectify.middleware.server_error"
