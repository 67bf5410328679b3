"""The admin's own template tags: the post list's date drill-down (blog/admin/dates.py)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from ..admin.dates import probed_date_hierarchy

register = template.Library()


@register.tag(name="probed_date_hierarchy")
def probed_date_hierarchy_tag(parser, token):
    """Django's {% date_hierarchy cl %}, from index probes instead of a DISTINCT of all posts."""
    return InclusionAdminNode(
        parser,
        token,
        func=probed_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
