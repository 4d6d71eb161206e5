from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def level_badge(code: str, levels: dict) -> str:
    """The risk level as a coloured badge (levels: code → RiskLevel)."""
    level = levels.get(code) if code else None
    if level is None:
        return format_html('<span class="badge">—</span>')
    # a default label is a msgid (grading.DEFAULT_LEVELS); one renamed in the
    # admin is shown as it was written
    return format_html(
        '<span class="badge {}">{}</span>', level.css, gettext(level.label)
    )
