"""The admin's own template tags: the post list's date drill-down (blog/admin/dates.py)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from ..admin.dashboard import dashboard
from ..admin.dates import probed_date_hierarchy
from ..roles import can_import

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


@register.simple_tag
def desk_dashboard(user):
    """The dashboard's sections for `user` (blog/admin/dashboard.py), for the admin's home."""
    return dashboard(user)


@register.simple_tag
def may_import(user) -> bool:
    """Whether `user` may use the インポート page (blog/roles.py decides)."""
    return can_import(user)
