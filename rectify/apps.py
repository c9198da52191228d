from django.apps import AppConfig


class RectifyConfig(AppConfig):
    """The project itself: security helpers, error pages, session renewal."""

    name = "rectify"
    verbose_name = "Rectify"

    def ready(self):
        from django.contrib.auth import user_logged_in

        from .sessions import mark_renewed

        user_logged_in.connect(mark_renewed, dispatch_uid="rectify-session-renewed")
