from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from findings.models import AdminRole, User

NONE = "none"


class Command(BaseCommand):
    help = (
        "Make an account the system, security or audit administrator (三员分立), or an "
        "ordinary account again ('none'). Run by the deployer on the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[*AdminRole.values, NONE])

    @transaction.atomic
    def handle(self, *args, username, role, **options):
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username!r}.")
        if user.is_superuser:
            raise CommandError(f"{username!r} is a superuser: administrators are not superusers.")
        user.admin_role = "" if role == NONE else role
        user.is_staff = role != NONE  # Django's mark of an admin user; the role decides
        with translation.override(settings.LANGUAGE_CODE):
            user._change_reason = f"设置管理员角色：{user.get_admin_role_display() or '无'}"
        user.save(update_fields=["admin_role", "is_staff"])
        self.stdout.write(
            f"{username}: {user.get_admin_role_display() or 'no administrator role'}."
        )
