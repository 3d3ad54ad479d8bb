"""
WSGI config for myproject.

It exposes the WSGI callable as a module-level variable named ``application``.
A WSGI server imports it by its dotted path:

    gunicorn myproject.wsgi:application --bind 0.0.0.0:8000

and ``manage.py runserver`` finds the same object through the
WSGI_APPLICATION setting.
"""
import os

from django.core.wsgi import get_wsgi_application

# Only a default: a DJANGO_SETTINGS_MODULE already in the environment wins,
# e.g. DJANGO_SETTINGS_MODULE=myproject.settings.production
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'myproject.settings')

application = get_wsgi_application()
