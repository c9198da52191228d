"""People added to a unit without a password, and their first-login links.

A principal may make a name written in an imported ledger a member of the unit
(staff or leader) with no usable password. The person gets a first-login link: the id
of a FirstLoginLink row, signed with the SECRET_KEY, that works for
FIRST_LOGIN_LINK_DAYS and only once, on a page where they choose their password under
the password policy. A newer link replaces an older one. The principal sees the link
(to pass it on); it is emailed where the person has an address.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from findings.models import Membership, Role, User
from rectify.mail import send_logged

from .models import FirstLoginLink

SALT = "accounts.first_login"
# The roles a principal may give a person they add.
ADDABLE_ROLES = (Role.STAFF, Role.LEADER)
DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length


class MemberError(Exception):
    """The person cannot be added, or the link cannot be used (the message says why)."""


def _new_username():
    while True:
        username = f"m-{secrets.token_hex(4)}"
        if not User.objects.filter(username=username).exists():
            return username


def member_create(*, organisation, display_name, role, email="", by, reason):
    """A new account named `display_name`, member of `organisation` with `role`, without
    a usable password; returns (user, its first-login link). History: `reason`, `by`."""
    display_name = display_name.strip()
    if role not in ADDABLE_ROLES:
        raise MemberError(_("A person added here is staff or a leader."))
    if not display_name or len(display_name) > DISPLAY_NAME_MAX:
        raise MemberError(
            _("The name must have 1 to %(max)d characters.") % {"max": DISPLAY_NAME_MAX}
        )
    with transaction.atomic():
        user = User(username=_new_username(), display_name=display_name, email=email.strip())
        user.set_unusable_password()
        user._change_reason = reason
        user._history_user = by
        user.save()
        membership = Membership(user=user, organisation=organisation, role=role)
        membership._change_reason = reason
        membership._history_user = by
        membership.save()
        link = first_login_link_create(user=user, by=by)
    return user, link


def first_login_link_create(*, user, by):
    """A new link for a person who has no password yet (the older ones stop working)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.has_usable_password():
            raise MemberError(_("This person has set a password already."))
        now = timezone.now()
        return FirstLoginLink.objects.create(
            user=locked,
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(days=settings.FIRST_LOGIN_LINK_DAYS),
        )


def first_login_path(link):
    token = signing.Signer(salt=SALT).sign(str(link.pk))
    return reverse("accounts:first_login", args=[token])


def first_login_url(link):
    return settings.SITE_URL.rstrip("/") + first_login_path(link)


def link_state(link, *, replaced=False, now=None):
    """ "valid", "used" (or replaced by a newer one, or the password is set otherwise)
    or "expired"."""
    if link.used_at is not None or replaced or link.user.has_usable_password():
        return "used"
    if link.expires_at <= (now or timezone.now()):
        return "expired"
    return "valid"


def is_replaced(link):
    """Whether the person has a newer link than this one."""
    return FirstLoginLink.objects.filter(user=link.user_id, created_at__gt=link.created_at).exists()


def first_login_link_for(token):
    """The link a token names, or None when the token is not one of ours."""
    try:
        pk = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return FirstLoginLink.objects.select_related("user").filter(pk=pk).first()


def first_login_complete(*, link, password):
    """Set the person's password (already validated) through the link: it is used up."""
    with transaction.atomic():
        link = FirstLoginLink.objects.select_for_update().select_related("user").get(pk=link.pk)
        user = User.objects.select_for_update().get(pk=link.user_id)
        link.user = user
        state = link_state(link, replaced=is_replaced(link))
        if state != "valid":
            raise MemberError(STATE_MESSAGES[state]())
        user.set_password(password)
        user.must_change_password = False
        user._change_reason = "通过首次登录链接设置密码"
        user._history_user = user
        user.save()
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    return user


STATE_MESSAGES = {
    "used": lambda: _(
        "This link has been used already. Log in with your password, or ask the principal "
        "of your unit for a new link."
    ),
    "expired": lambda: _("This link has expired. Ask the principal of your unit for a new link."),
}


def email_first_login(*, user, link, organisation):
    """After the commit, email the link where the person has an address."""
    if not user.email:
        return
    url = first_login_url(link)
    body = "\n".join(
        [
            f"{user}，您好：",
            f"您已被添加为{organisation}的成员，登录名：{user.username}。",
            f"请在{settings.FIRST_LOGIN_LINK_DAYS}天内打开以下链接设置密码（仅能使用一次）：",
            url,
        ]
    )

    def send():
        send_logged(
            subject="【整改台账】请设置登录密码",
            body=body,
            address=user.email,
            about=f"the first-login link of user {user.pk}",
        )

    transaction.on_commit(send)
