from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def finding_workspace(context):
    """The working part of the finding page, for the findings app's finding view.

    A ledger view that re-renders the page (a refused form) passes its own workspace.
    """
    if context.get("workspace") is not None:
        return context["workspace"]
    from ledger.views import build_workspace

    finding = context["finding"]
    return build_workspace(
        finding=finding,
        user=context["request"].user,
        membership=context["membership"],
        measures=context["measures"],
        history=context.get("history"),
    )


@register.filter
def warning_label(warning):
    from django.utils.translation import gettext

    return {
        "overdue": gettext("overdue"),
        "soon": gettext("due within 10 days"),
        "later": gettext("due within 20 days"),
    }.get(warning, "")
