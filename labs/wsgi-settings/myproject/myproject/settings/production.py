"""Production settings: DJANGO_SETTINGS_MODULE=myproject.settings.production"""
from myproject.settings import *  # noqa: F401,F403  (the defaults, then override)

DEBUG = False

# Must list every name the site is reached by once DEBUG is off.
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

SECRET_KEY = "docgen-lab-prod-only-not-a-secret-9e41f7"
