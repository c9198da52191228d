from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        from findings.signals import co_responsible_added

        from . import services

        co_responsible_added.connect(
            services.on_co_responsible_added, dispatch_uid="ledger_co_responsible_notify"
        )
