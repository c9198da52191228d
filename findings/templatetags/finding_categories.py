"""{% finding_category finding %}: the 问题分类 row of a finding page's details, with its
form for whoever may change it (findings.categories)."""

from django import template

from ..categories import category_panel
from ..forms import CategoryForm

register = template.Library()


@register.inclusion_tag("findings/_category.html", takes_context=True)
def finding_category(context, finding):
    request = context["request"]
    bound = context.get("access")  # the page's findings.access.FindingAccess
    panel = category_panel(
        finding=finding, user=request.user, access=getattr(bound, "access", None)
    )
    return {
        "panel": panel,
        "finding": finding,
        "code": finding.area.inspection.code,
        "form": CategoryForm(panel=panel) if panel and panel.may_change else None,
        "csrf_token": context.get("csrf_token"),
    }
