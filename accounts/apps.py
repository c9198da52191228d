from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """A person's own account: password policy and change, the second factor."""

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth import user_logged_in

        from .gate import start_second_factor

        # Every way of logging in (the login page, the admin's, force_login) sends this.
        user_logged_in.connect(start_second_factor, dispatch_uid="accounts-second-factor")
