import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# The consumer page for anonymous scans straight from Redis (a no-op without REDIS_URL).
from trace.fastpage import FastPublicPage  # noqa: E402

application = FastPublicPage(django_application)
