"""Development settings: the default module, ``myproject.settings``.

Production overrides live in ``myproject.settings.production``, which imports
everything from here and changes what differs.
"""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Lab-only key; a real project reads it from the environment.
SECRET_KEY = "docgen-lab-dev-only-not-a-secret-5d2a8c"

DEBUG = True

ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "myproject.urls"

# What `manage.py runserver` serves. Gunicorn does not read this setting:
# it is told the callable directly (myproject.wsgi:application).
WSGI_APPLICATION = 'myproject.wsgi.application'

# No database: the lesson is about WSGI and settings, not models.
DATABASES = {}

USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
