import os

from django.conf import settings
from django.http import HttpResponse


def index(request):
    """Say which worker answered and which settings module is in use."""
    body = (
        "Hello from my_shop\n"
        f"pid={os.getpid()}\n"
        f"settings={settings.SETTINGS_MODULE}\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
