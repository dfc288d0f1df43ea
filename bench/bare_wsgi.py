"""The scan baseline: a WSGI app that returns a constant, served by the same gunicorn."""

BODY = b"<!doctype html><title>ok</title><p>ok</p>"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
