"""The scan baseline: a WSGI app that returns a constant, served by the same gunicorn.

The constant is as long as the page being compared (``BENCH_BARE_BYTES``), so
both sides move the same bytes and the ratio measures only the work per request.
"""

import os

BODY = b"<!doctype html><title>ok</title>" + b"." * max(
    0, int(os.environ.get("BENCH_BARE_BYTES", "0")) - 32
)
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
