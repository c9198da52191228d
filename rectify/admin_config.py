from django.contrib.admin.apps import AdminConfig


class RectifyAdminConfig(AdminConfig):
    """django.contrib.admin with Rectify's site: for the three administrators only."""

    default_site = "rectify.admin_site.RectifyAdminSite"
