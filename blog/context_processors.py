from django.conf import settings


def site(request):
    return {
        "site_name": settings.BLOG["SITE_NAME"],
        "site_description": settings.BLOG["SITE_DESCRIPTION"],
    }
