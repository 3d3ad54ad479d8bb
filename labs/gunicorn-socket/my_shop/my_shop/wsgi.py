"""
WSGI config for my_shop.

Gunicorn imports this module and calls `application` for every request:
    gunicorn my_shop.wsgi:application
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "my_shop.settings")

application = get_wsgi_application()
