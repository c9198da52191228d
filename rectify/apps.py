from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectifyConfig(AppConfig):
    """The project itself: security helpers, error pages, login records, the append-only
    guard and the grants of the runtime database role."""

    name = "rectify"
    verbose_name = _("system records")

    def ready(self):
        from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_migrate

        from . import signals
        from .append_only import guard_historical_models, guard_login_records
        from .db_roles import grant_after_migrate
        from .sessions import mark_renewed

        guard_historical_models()
        guard_login_records()
        user_logged_in.connect(mark_renewed, dispatch_uid="rectify-session-renewed")
        user_logged_in.connect(signals.on_logged_in, dispatch_uid="rectify-login-record")
        user_logged_out.connect(signals.on_logged_out, dispatch_uid="rectify-logout-record")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="rectify-failed-record")
        # Once per migrate run (post_migrate is sent for every app with models).
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="rectify-grants")
