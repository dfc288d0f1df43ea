import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# The consumer page for anonymous scans straight from Redis (a no-op without REDIS_URL).
from trace.consumer.fastpage import FastPublicPage  # noqa: E402

application = FastPublicPage(django_application)

# What is loaded by now (Django, the apps, every view through the URL conf) lives as long as
# the worker: move it out of the cyclic garbage collector's reach, whose full passes over it
# otherwise stall a request now and then by tens of milliseconds (bench: trace graph p95).
get_resolver().url_patterns  # noqa: B018
gc.freeze()
