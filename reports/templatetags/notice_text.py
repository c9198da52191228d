"""Template filters for the notice's text."""

from django import template
from django.utils.html import format_html, format_html_join

from ..chinese import kept_together

register = template.Library()


@register.filter
def keep_together(text):
    """The text, escaped, with each date and number-with-unit in a span no line breaks."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html('<span class="nobr">{}</span>', part) if keep else part,)
            for part, keep in kept_together(text)
        ),
    )


@register.filter
def notice_flag(flag):
    """Why a finding of the draft does not print as signed off (reports.printing's flags)."""
    from ..printing import flag_label

    return flag_label(flag)
