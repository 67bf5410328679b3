"""Site-wide request checks that belong to no one view."""

from django.http import HttpResponseBadRequest

NUL = "\x00"
NUL_REFUSED = "URL に使えない文字（NUL）が含まれています。"


class RefuseNulMiddleware:
    """Answer 400 to a URL whose query string holds a NUL byte (`%00`).

    PostgreSQL cannot store or compare text containing NUL: a `?q=` or an admin autocomplete
    `term=` carrying one reaches the database and fails with DataError (a 500). No page of the
    site has a use for NUL, so it is refused here, once, before any view reads the parameters;
    SQLite gets the same answer so both databases behave alike. Form fields already refuse NUL in
    POST bodies (Django's ProhibitNullCharactersValidator); a NUL in the path matches no URL
    pattern's converter, so it is already a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET):
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())
