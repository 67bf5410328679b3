"""Library images in templates: `{% picture image sizes="…" first=True %}` writes the
<picture> (blog/images/html.py), from the renditions made at upload; nothing is resized here.
`{% thumb_tint category %}` picks the tint of a post's placeholder tile."""

from django import template

from ..images.html import BODY_SIZES, picture_html, shown

register = template.Library()

# Tints for the placeholder tiles (site.css .thumb--tint-N): a category keeps its own.
TINTS = 6


@register.simple_tag
def picture(image, sizes: str = BODY_SIZES, first: bool = False, css_class: str = ""):
    if image is None:
        return ""
    return picture_html(shown(image), sizes=sizes, first=first, css_class=css_class)


@register.simple_tag
def thumb_tint(category) -> int:
    return (category.pk or 0) % TINTS if category is not None else 0
