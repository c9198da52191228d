from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from rectify.db_roles import owner_alias
from rectify.models import KEPT_DAYS, LoginRecord


class Command(BaseCommand):
    help = (
        f"Delete login records older than N days (N at least {KEPT_DAYS}: records are kept "
        "six months). Runs as the tables' owner when DATABASE_OWNER_URL is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True, metavar="N")

    def handle(self, *args, older_than_days, **options):
        if older_than_days < KEPT_DAYS:
            raise CommandError(
                f"--older-than-days {older_than_days}: login records are kept at least "
                f"{KEPT_DAYS} days (six months); nothing was deleted."
            )
        using = owner_alias()  # the runtime role may not delete login records
        cutoff = timezone.now() - timedelta(days=older_than_days)
        with transaction.atomic(using=using):
            deleted, _ = LoginRecord.objects.using(using).filter(at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} login records older than {older_than_days} days.")
