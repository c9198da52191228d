"""The third-party apps under Chinese names in the administrators' pages (issue 15).

Each config keeps the app's name and label (so its tables and migrations are unchanged)
and gives it a translatable verbose name; django-otp's models carry plain English
verbose names, so they are renamed here too. Their field labels and the other English
strings of these apps are translated in locale/zh_Hans (the project's catalogue, which
Django reads before the apps' own).
"""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as BaseStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as BaseTOTPConfig
from django_tasks_db.apps import TasksAppConfig as BaseTasksDBConfig


def translate_fields(model):
    """django-otp writes its field names and help texts as plain English: make them
    translatable (their Chinese is in locale/zh_Hans)."""
    for field in model._meta.get_fields():
        if hasattr(field, "verbose_name") and field.verbose_name:
            field.verbose_name = _(str(field.verbose_name))
        if getattr(field, "help_text", ""):
            field.help_text = _(str(field.help_text))


def translate_search_help(model):
    """django-otp's admin builds an English search help ("Search by user's …")."""
    from django.contrib import admin

    model_admin = admin.site._registry.get(model)
    if model_admin is not None and model_admin.search_help_text:
        model_admin.search_help_text = _("Search by the user's username")


class AxesConfig(BaseAxesConfig):
    verbose_name = _("login lockouts")


class TOTPConfig(BaseTOTPConfig):
    verbose_name = _("authenticator apps")

    def ready(self):
        super().ready()
        model = self.get_model("TOTPDevice")
        meta = model._meta
        meta.verbose_name, meta.verbose_name_plural = _("TOTP device"), _("TOTP devices")
        translate_fields(model)
        translate_search_help(model)


class StaticConfig(BaseStaticConfig):
    verbose_name = _("recovery codes")

    def ready(self):
        super().ready()
        for model, one, many in (
            ("StaticDevice", _("static device"), _("static devices")),
            ("StaticToken", _("static token"), _("static tokens")),
        ):
            meta = self.get_model(model)._meta
            meta.verbose_name, meta.verbose_name_plural = one, many
            translate_fields(self.get_model(model))
            translate_search_help(self.get_model(model))


class TasksDBConfig(BaseTasksDBConfig):
    verbose_name = _("background tasks")
