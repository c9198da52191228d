from django.core.management.base import BaseCommand, CommandError

from rectify.db_roles import RoleError, grant_runtime_role, owner_alias


class Command(BaseCommand):
    help = (
        "Grant a PostgreSQL role the rights the app needs and no more (run as the tables' "
        "owner; `migrate` does it by itself when DATABASE_OWNER_URL is set)."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the app connects as (owns nothing)")
        parser.add_argument(
            "--database",
            default=owner_alias(),
            help="connection to grant from: the owner's (default: owner if configured)",
        )

    def handle(self, *args, role, database, **options):
        try:
            statements = grant_runtime_role(role=role, using=database)
        except RoleError as e:
            raise CommandError(str(e)) from e
        if options["verbosity"] >= 2:
            self.stdout.write("\n".join(statements))
        self.stdout.write(f"Granted the runtime rights to {role}.")
