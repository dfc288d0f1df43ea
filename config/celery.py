import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from kombu import Queue
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.degrade import redis_available, redis_failed, redis_succeeded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

_BROKER_DOWN = (
    OperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class ResilientTask(Task):
    """A task queued on the broker while it answers, run inline in the caller while it does not.

    With Redis (the broker) down, ``delay``/``apply_async`` neither fail the request that
    queued the task nor lose it: the task runs at once in this process (as on the embedded
    setup), after the one log line of ``core.degrade``. A ``countdown``/``eta`` is not
    honoured inline; tasks here are idempotent and safe to run early.
    """

    def apply_async(
        self,
        args=None,
        kwargs=None,
        task_id=None,
        producer=None,
        link=None,
        link_error=None,
        shadow=None,
        **options,
    ):
        if self.app.conf.task_always_eager:
            return super().apply_async(
                args, kwargs, task_id, producer, link, link_error, shadow, **options
            )
        if redis_available():
            try:
                options.setdefault("retry", False)  # fail fast, then run inline
                result = super().apply_async(
                    args, kwargs, task_id, producer, link, link_error, shadow, **options
                )
            except _BROKER_DOWN as exc:
                redis_failed(exc, f"queueing {self.name}")
            else:
                redis_succeeded()
                return result
        return self.apply(args, kwargs, task_id=task_id, link=link, link_error=link_error)


app = Celery("suyuan", task_cls=ResilientTask)
app.config_from_object("django.conf:settings", namespace="CELERY")

# Database connections in a worker live as they do in a web process. Celery's Django fixup
# closes every connection before and after each task unless told to reuse them, so each
# capture started on a new PostgreSQL backend: a connection to open (3.5 ms) and every table,
# index and partition the capture touches to be looked up again in the catalog. The fixup
# now closes them only every ``_DB_REUSE_MAX`` tasks, and each task starts and ends as a
# request does (``close_old_connections``): a connection older than ``CONN_MAX_AGE``, or one
# an error left unusable, is closed, and with ``CONN_HEALTH_CHECKS`` the first query checks
# that the one kept still answers (a restarted server). A task run inline (eager, or with
# Redis down) runs inside its caller's transaction and is left alone.
_DB_REUSE_MAX = 1000
app.conf["CELERY_DB_REUSE_MAX"] = _DB_REUSE_MAX


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **_kwargs) -> None:
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


# EPCIS capture jobs have a queue of their own, so that a backlog of notices (a recall's
# activation queues one per holder, a sweep hundreds) never holds an accepted capture back.
# A worker started without -Q takes both queues in turn; ``-Q capture`` makes one that only
# captures (docker-compose.yml's ``capture-worker``; docs/SCALING.md, "Celery").
CAPTURE_QUEUE = os.environ.get("CAPTURE_QUEUE") or "capture"
app.conf.task_queues = [Queue("celery"), Queue(CAPTURE_QUEUE)]
app.conf.task_routes = {"trace.epcis.tasks.run_capture_job": {"queue": CAPTURE_QUEUE}}
app.autodiscover_tasks()
# Task modules below an app's top level are not found by the default discovery.
app.autodiscover_tasks(["trace.core", "trace.epcis", "trace.consumer"])
