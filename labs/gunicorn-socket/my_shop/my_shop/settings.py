"""Settings for the my_shop sample project used by the gunicorn-socket lab.

Deliberately small: no database, no sessions, no admin. Only what a request
through nginx -> Unix socket -> gunicorn -> Django needs.
"""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# A lab container is thrown away after each run; this key protects nothing.
SECRET_KEY = "docgen-lab-only-not-a-secret-0b6f1c9e"

DEBUG = False

# curl --unix-socket ... http://localhost/ and nginx (proxy_set_header Host $host)
# both send "Host: localhost"; 127.0.0.1 / [::1] cover plain TCP tests.
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "my_shop.urls"
WSGI_APPLICATION = "my_shop.wsgi.application"

# No database: nothing here needs one, and it keeps migrations out of the lab.
DATABASES = {}

USE_TZ = True
TIME_ZONE = "UTC"

# nginx serves /static/ itself from STATIC_ROOT (filled by `manage.py collectstatic`).
STATIC_URL = "/static/"
STATIC_ROOT = "/var/www/my_shop/static"
STATICFILES_DIRS = [BASE_DIR / "my_shop" / "static"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
