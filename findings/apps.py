from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FindingsConfig(AppConfig):
    name = "findings"
    verbose_name = _("Findings")

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        from . import signals

        # Record last_login without a history row per login (last_login is not audited).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(signals.record_last_login, dispatch_uid="record_last_login")
