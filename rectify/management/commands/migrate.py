from django.core.management.commands.migrate import Command as MigrateCommand

from rectify.db_roles import MigrationRouter, owner_alias


class Command(MigrateCommand):
    """Django's migrate, run as the tables' owner when DATABASE_OWNER_URL is set.

    Afterwards a post_migrate step (rectify.db_roles.grant_after_migrate) grants the
    runtime role, DATABASE_URL's user, what the app needs.
    """

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=owner_alias())

    def handle(self, *args, **options):
        MigrationRouter.active = options["database"] if options["database"] != "default" else None
        try:
            return super().handle(*args, **options)
        finally:
            MigrationRouter.active = None
