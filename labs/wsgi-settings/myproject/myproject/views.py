import os

from django.conf import settings
from django.http import HttpResponse


def index(request):
    """Answer with the settings module in use and its DEBUG value, e.g.
    ``settings=myproject.settings debug=True``."""
    body = (
        f"settings={settings.SETTINGS_MODULE} debug={settings.DEBUG}\n"
        f"wsgi_application={settings.WSGI_APPLICATION}\n"
        f"pid={os.getpid()}\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
