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


def headers(request):
    """What Django sees of the request nginx forwarded: the headers the nginx site sets."""
    meta = request.META
    body = (
        f"host={meta.get('HTTP_HOST', '')}\n"
        f"x-forwarded-for={meta.get('HTTP_X_FORWARDED_FOR', '')}\n"
        f"x-forwarded-proto={meta.get('HTTP_X_FORWARDED_PROTO', '')}\n"
        f"x-real-ip={meta.get('HTTP_X_REAL_IP', '')}\n"
        f"remote-addr={meta.get('REMOTE_ADDR', '')}\n"
        f"scheme={request.scheme}\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
