from django.apps import AppConfig


class RectifyConfig(AppConfig):
    """The project itself: security helpers, error pages and the append-only guard."""

    name = "rectify"
    verbose_name = "Rectify"

    def ready(self):
        from django.contrib.auth import user_logged_in

        from .append_only import guard_historical_models
        from .sessions import mark_renewed

        guard_historical_models()
        user_logged_in.connect(mark_renewed, dispatch_uid="rectify-session-renewed")
