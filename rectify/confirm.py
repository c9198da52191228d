"""Confirmation before an irreversible step, without script (the CSP forbids inline script).

A view that takes such a step (sign-off, reopen, publish, withdraw) first answers the
POST with a page that restates what will happen and carries the same fields back, with
``confirmed=1``, on its one button; only that second POST takes the step:

    if not is_confirmed(request):
        return confirmation_page(request, title=..., question=..., details=[...],
                                 button=..., back_url=...)

Nothing is written by the first POST, so a refused or abandoned confirmation changes
nothing. Uploaded files cannot be carried over: steps with files are not confirmed here.
"""

from django.shortcuts import render

CONFIRMED = "confirmed"
_NOT_CARRIED = {"csrfmiddlewaretoken", CONFIRMED}


def is_confirmed(request):
    return request.POST.get(CONFIRMED) == "1"


def confirmation_page(
    request, *, title, question, button, back_url, details=(), danger=False, status=200
):
    """The page asking to confirm the POST it answers, carrying its fields over."""
    carried = [
        (name, value)
        for name in request.POST
        if name not in _NOT_CARRIED
        for value in request.POST.getlist(name)
    ]
    context = {
        "title": title,
        "question": question,
        "details": details,
        "button": button,
        "back_url": back_url,
        "danger": danger,
        "carried": carried,
        "action_url": request.get_full_path(),
    }
    return render(request, "confirm.html", context, status=status)
