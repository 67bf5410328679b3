"""Path converters for the blog's URLs, registered by BlogConfig.ready() (before any URL list
is built: Django loads the URLconf only after every app is ready)."""

from django.urls import register_converter


class UnicodeSlugConverter:
    """Slugs with Japanese letters: Django's `slug` converter is ASCII-only."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class YearConverter:
    """Four digits: /archive/99999/ is not a year (and not a 500)."""

    regex = r"[0-9]{4}"
    width = 4

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{value:0{self.width}d}"


class MonthConverter(YearConverter):
    regex = r"0[1-9]|1[0-2]"
    width = 2


class PreviewTokenConverter(UnicodeSlugConverter):
    """A share-link token: URL-safe base64 (new tokens are 43 characters)."""

    regex = r"[-_A-Za-z0-9]{20,100}"


CONVERTERS = {
    "uslug": UnicodeSlugConverter,
    "yyyy": YearConverter,
    "mm": MonthConverter,
    "ptoken": PreviewTokenConverter,
}


def register_converters() -> None:
    for name, converter in CONVERTERS.items():
        register_converter(converter, name)
