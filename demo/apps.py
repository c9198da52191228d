from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`load_demo`: the demo data of every app, loaded in order (findings, ledger, reports)."""

    name = "demo"
