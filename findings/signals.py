from django.utils import timezone


def record_last_login(sender, user, **kwargs):
    type(user).objects.filter(pk=user.pk).update(last_login=timezone.now())
