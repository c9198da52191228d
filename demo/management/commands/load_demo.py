from django.core.management.base import BaseCommand

from findings import demo
from ledger.demo import load_work_demo
from oversight import demo as office_demo
from reports import demo as reports_demo


class Command(BaseCommand):
    help = "Load the seed inspection (xinhua-cyl-2023) and the demo accounts; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-work",
            action="store_true",
            help="Also load a follow-up inspection in progress (ledger/demo.py).",
        )

    def handle(self, *args, **options):
        counts = demo.load_seed()
        if options["with_work"]:
            work = load_work_demo()
            counts = {key: counts[key] + work[key] for key in counts}
        for key, value in reports_demo.load_notice().items():
            counts[key] += value
        for key, value in office_demo.load_office_demo().items():
            counts[key] += value
        self.stdout.write(
            f"Demo data: {counts['created']} created, {counts['present']} already present."
        )
        if options["verbosity"] >= 1:
            self.stdout.write(self.login_table())

    @staticmethod
    def login_table():
        seed = demo.read_seed()
        rows = [(name, display, f"{role}, /admin/") for name, display, role in demo.ADMINISTRATORS]
        rows += [(p["username"], p["display_name"], p["role"]) for p in seed["people"]]
        rows += office_demo.login_rows()
        lines = [f"Demo logins (password for all: {demo.DEMO_PASSWORD}):"]
        lines += [f"  {username:<10} {name} ({role})" for username, name, role in rows]
        return "\n".join(lines)
