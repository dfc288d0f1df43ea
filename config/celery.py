import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("suyuan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules below an app's top level are not found by the default discovery.
app.autodiscover_tasks(["trace.core", "trace.epcis", "trace.consumer"])
