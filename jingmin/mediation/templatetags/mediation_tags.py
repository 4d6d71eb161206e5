from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def level_badge(code: str, levels: dict) -> str:
    """The risk level as a coloured badge (levels: code → RiskLevel)."""
    level = levels.get(code) if code else None
    if level is None:
        return format_html('<span class="badge">—</span>')
    return format_html('<span class="badge {}">{}</span>', level.css, level.label)
