"""gunicorn settings of the web service.

The Docker image, docker compose and the scan benchmark all start gunicorn
with ``-c config/gunicorn.py``, so what is measured is what is deployed.

Threads, not processes, give the concurrency: one worker process per core,
each with a few threads (the classic "2 × cores + 1" is advice for sync
workers). Each process holds its own copy of Django; on two cores, 2 workers ×
4 threads served the consumer page as fast as 4 × 4 in back-to-back runs of
``python -m bench scan --workers N`` (docs/BENCHMARKS.md).

Environment: ``WEB_CONCURRENCY`` (workers), ``GUNICORN_THREADS``,
``GUNICORN_BIND``, ``GUNICORN_ACCESS_LOG`` (a path, ``-`` for stdout, empty
for none).
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this container may use
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or _cores())
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
worker_class = "gthread"
keepalive = 5
backlog = 2048
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
