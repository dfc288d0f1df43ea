"""The consumer page straight from Redis, in front of Django.

A burst of scans after a news story is the same few pages asked for again and
again by anonymous phones. This WSGI layer answers ``GET /01/<gtin>/10/<lot>``
for a visitor without a session from memory, or from Redis in one round trip
(a Lua script that checks the entry and queues the scan log line), and hands
everything else — signed-in staff, linksets, ``?linkType``, misses — to
Django, keeping the page Django produced for next time.

Never a recalled lot shown as safe: every lot has a version number in Redis
that ``trace.core.cache.invalidate_batches`` increments whenever anything about the
lot changes (status, recall, new event), publishing the new version on a
Redis channel. An entry carries the version read *before* Django rendered it
and is served only while that is still the current version, so a render that
raced a status change is never served. Each worker process keeps the pages it
served in memory and drops them when the channel announces a newer version;
while its subscription is not confirmed (start-up, Redis restart) it serves
nothing from memory. What remains is the moment between the database commit
and the on-commit hook that increments the version (plus the channel's
delivery, well under a millisecond on one network), in which the page
answered is the one a request reading the database just before the commit
would have got.

Only active with ``REDIS_URL`` (the embedded setup keeps Django's own cache).
With Redis unreachable (``core.degrade``) every request goes to Django, which
answers from the database; nothing is served from memory until Redis is back
and the pages kept before the outage are dropped (``trace.consumer.receivers``).
Scans are placed in a region by the same operator table as Django's (``regions``) while the
request is answered; the queued line carries the region code, never the address.
Scan log lines wait in a Redis list until ``trace.consumer.tasks.flush_scan_log``
(Celery beat) writes them in bulk — a miss's too: the view leaves it to this layer
(``SCAN_LINE``), which queues it with the page kept, in the same round trip.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import threading
import time
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings

from core.degrade import redis_available, redis_down, redis_failed, redis_succeeded

from . import public
from .regions import scan_region
from .representation import serves_cached_page

_PATH = re.compile(r"^/01/(\d{14})/10/([^/]{1,60}?)/?$")
MAX_QUEUED_SCANS = 1_000_000
LOCAL_PAGES = 20_000  # pages kept in each worker's memory
SCAN_BUFFER = 200  # scan lines a worker collects before one RPUSH
SCAN_BUFFER_SECONDS = 1.0
# In the WSGI environ of a miss handed to Django: the scan's line (SCAN_LINE), which this layer
# queues with the page it keeps if the view leaves the scan to it (sets SCAN_LEFT) instead of
# inserting the ScanLog row itself.
SCAN_LINE = "suyuan.fastpage.scan_line"
SCAN_LEFT = "suyuan.fastpage.scan_left"

# KEYS: page, version, scan list. ARGV: scan line, list cap.
# Returns the page only if its version is the current one, queuing the scan; else
# {current version}, the version a page rendered now is kept under.
_LOOKUP = """
local entry = redis.call('GET', KEYS[1])
local version = redis.call('GET', KEYS[2]) or '0'
if not entry then return {version} end
local sep = string.find(entry, '\\n', 1, true)
if string.sub(entry, 1, sep - 1) ~= version then return {version} end
if redis.call('RPUSH', KEYS[3], ARGV[1]) > tonumber(ARGV[2]) then redis.call('LPOP', KEYS[3]) end
return entry
"""


def _prefix() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:fastpage"


def page_key(gtin: str, lot: str, language: str) -> str:
    return f"{_prefix()}:page:{gtin}:{lot}:{language}"


def version_key(gtin: str, lot: str) -> str:
    return f"{_prefix()}:version:{gtin}:{lot}"


def scan_list_key() -> str:
    return f"{_prefix()}:scans"


def channel() -> str:
    return f"{_prefix()}:versions"


@lru_cache(maxsize=1)
def client():
    """The Redis connection pool of this process (None without REDIS_URL)."""
    cache = settings.CACHES["default"]
    if not getattr(settings, "REDIS_URL", "") or not cache["BACKEND"].endswith("RedisCache"):
        return None
    import redis

    # The cache's own Redis (tests give each worker its database there).
    return redis.Redis.from_url(cache["LOCATION"])


# KEYS: version keys. Returns their new versions (one command for the thousand lots of a capture).
_BUMP = """
local versions = {}
for i, key in ipairs(KEYS) do versions[i] = redis.call('INCR', key) end
return versions
"""


@lru_cache(maxsize=1)
def _bump_script():
    return client().register_script(_BUMP)


def bump_versions(keys: list[tuple[str, str]]) -> None:
    """Invalidate the fast pages of these (gtin, lot): called on any change to the lots."""
    redis = client()
    if redis is None or not keys or not redis_available():
        return  # while Redis is down nothing is served from it; pages are dropped on its return
    keys = list(dict.fromkeys(keys))
    try:
        versions = _bump_script()(keys=[version_key(gtin, lot) for gtin, lot in keys])
        announced = [[g, lot, v] for (g, lot), v in zip(keys, versions, strict=True)]
        local_pages()._apply(announced)  # this process at once; the others through the channel
        redis.publish(channel(), json.dumps(announced))
    except Exception as exc:  # noqa: BLE001 - Redis down: the change is committed, pages go on recovery
        redis_failed(exc, "fastpage.bump_versions")


class LocalPages:
    """This process's copy of pages, valid while the version channel is followed.

    ``versions`` holds the newest version announced for a lot; an entry whose
    version is older is stale. Announcements are applied by one subscriber
    thread; while it is not subscribed, ``ready`` is False and nothing is
    served from here.
    """

    def __init__(self, redis):
        self.redis = redis
        # page key → (version, lot, headers, body, monotonic time kept)
        self.pages: dict[str, tuple[int, tuple[str, str], list, bytes, float]] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()
        self.ready = False
        self.scans: list[str] = []
        self.scans_since = time.monotonic()
        thread = threading.Thread(target=self._follow, name="fastpage-versions", daemon=True)
        thread.start()
        atexit.register(self.flush_scans)

    def _follow(self):
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=False)
                pubsub.subscribe(channel())
                for message in pubsub.listen():
                    if message["type"] == "subscribe":
                        with self.lock:  # anything announced before now is unknown: start empty
                            self.pages.clear()
                            self.versions.clear()
                            self.ready = True
                    elif message["type"] == "message":
                        self._apply(json.loads(message["data"]))
            except Exception:  # noqa: BLE001 - lost the channel: stop serving from memory, retry
                with self.lock:
                    self.ready = False
                    self.pages.clear()
                time.sleep(0.5)

    def _apply(self, announced):
        with self.lock:
            for gtin, lot, version in announced:
                key = (gtin, lot)
                if version > self.versions.get(key, 0):
                    self.versions[key] = version

    def get(self, page: str, lot_key: tuple[str, str]):
        """The page kept here, unless a newer version was announced or it is older than
        ``SUYUAN_FASTPAGE_LOCAL_TTL`` (then Redis, which holds the current version, decides)."""
        entry = self.pages.get(page)
        if entry is None or not self.ready:
            return None
        if self.versions.get(lot_key, 0) > entry[0]:
            return None
        if time.monotonic() - entry[4] >= settings.SUYUAN_FASTPAGE_LOCAL_TTL:
            with self.lock:
                self.pages.pop(page, None)
            return None
        return entry

    def put(self, page: str, lot_key: tuple[str, str], version: int, headers: list, body: bytes):
        with self.lock:
            if not self.ready or self.versions.get(lot_key, 0) > version:
                return
            if len(self.pages) >= LOCAL_PAGES:
                self.pages.pop(next(iter(self.pages)))
            self.pages[page] = (version, lot_key, headers, body, time.monotonic())

    def log_scan(self, line: str):
        with self.lock:
            self.scans.append(line)
            due = (
                len(self.scans) >= SCAN_BUFFER
                or time.monotonic() - self.scans_since >= SCAN_BUFFER_SECONDS
            )
        if due:
            self.flush_scans()

    def flush_scans(self):
        with self.lock:
            lines, self.scans = self.scans, []
            self.scans_since = time.monotonic()
        if lines:
            with contextlib.suppress(Exception):  # scan statistics are best effort
                self.redis.rpush(scan_list_key(), *lines)


@lru_cache(maxsize=1)
def local_pages() -> LocalPages | None:
    redis = client()
    return None if redis is None else LocalPages(redis)


@lru_cache(maxsize=512)
def _language(cookie: str | None, accept: str) -> str:
    from django.utils.translation import trans_real

    supported = {code for code, _ in settings.LANGUAGES}
    if cookie in supported:
        return cookie
    for tag, _q in trans_real.parse_accept_lang_header(accept):
        if tag == "*":
            break
        try:
            return trans_real.get_supported_language_variant(tag)
        except LookupError:
            continue
    return trans_real.get_supported_language_variant(settings.LANGUAGE_CODE)


def _cookies(environ) -> dict[str, str]:
    raw = environ.get("HTTP_COOKIE", "")
    if not raw:
        return {}
    from django.http.cookie import parse_cookie

    return parse_cookie(raw)


def scan_client(user_agent: str) -> str:
    return _classify(user_agent, public.scan_client)


@lru_cache(maxsize=4096)
def _classify(user_agent: str, classify) -> str:
    return classify(user_agent)


class FastPublicPage:
    """WSGI middleware: wraps the Django application."""

    def __init__(self, app):
        self.app = app
        self._script = None

    def _lookup(self, redis, keys, line):
        if self._script is None:
            self._script = redis.register_script(_LOOKUP)
        return self._script(keys=keys, args=[line, MAX_QUEUED_SCANS], client=redis)

    def __call__(self, environ, start_response):
        redis = client()
        if redis is None or not serves_cached_page(
            environ.get("REQUEST_METHOD", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT"),
        ):
            return self.app(environ, start_response)
        if not self._redis_usable(redis):  # Redis down: Django answers from the database
            return self.app(environ, start_response)
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return self.app(environ, start_response)
        cookies = _cookies(environ)
        if settings.SESSION_COOKIE_NAME in cookies:
            return self.app(environ, start_response)
        gtin, lot = match.group(1), unquote(match.group(2))
        language = _language(
            cookies.get(settings.LANGUAGE_COOKIE_NAME), environ.get("HTTP_ACCEPT_LANGUAGE", "")
        )
        keys = [page_key(gtin, lot, language), version_key(gtin, lot), scan_list_key()]
        line = json.dumps(  # the scan log line: the region, never the address
            [
                gtin,
                lot,
                time.time(),
                scan_client(environ.get("HTTP_USER_AGENT", "")),
                language,
                scan_region(environ),
            ]
        )
        local = local_pages()
        hit = local.get(keys[0], (gtin, lot))
        if hit is not None:
            local.log_scan(line)
            start_response("200 OK", hit[2])
            return [hit[3]]
        try:
            entry = self._lookup(redis, keys, line)
        except Exception as exc:  # noqa: BLE001 - Redis down: Django answers (its cache fails open)
            redis_failed(exc, "fastpage")
            return self.app(environ, start_response)
        redis_succeeded()
        if not isinstance(entry, list):
            version_text, rest = entry.split(b"\n", 1)
            header_text, body = rest.split(b"\n", 1)
            headers = [(k, v) for k, v in json.loads(header_text)]
            headers += [("Content-Length", str(len(body))), ("X-Page-Cache", "hit")]
            local.put(keys[0], (gtin, lot), int(version_text), headers, body)
            start_response("200 OK", headers)
            return [body]
        environ[SCAN_LINE] = line
        return self._render_and_keep(environ, start_response, keys[0], entry[0])

    def _render_and_keep(self, environ, start_response, key: str, version: bytes):
        """Django's answer to a miss; the page kept, and the scan queued, when it is the page."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = captured.get("headers", [])
        names = {name.lower() for name, _ in headers}
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        cache_control = next((v for k, v in headers if k.lower() == "cache-control"), "")
        pipe = client().pipeline(transaction=False)
        if environ.get(SCAN_LEFT):  # the view found the lot and left its scan to this layer
            pipe.rpush(scan_list_key(), environ[SCAN_LINE])
            pipe.ltrim(scan_list_key(), -MAX_QUEUED_SCANS, -1)
        # Keep only the anonymous HTML page Django marked shareable (no session, no cookie set).
        if (
            captured.get("status", "").startswith("200")
            and content_type.startswith("text/html")
            and "set-cookie" not in names
            and "private" not in cache_control
        ):
            kept = [[k, v] for k, v in headers if k.lower() not in ("content-length", "set-cookie")]
            entry = version + b"\n" + json.dumps(kept).encode() + b"\n" + body
            pipe.set(key, entry, ex=settings.SUYUAN_PUBLIC_PAGE_TTL)
        if len(pipe):
            try:
                pipe.execute()
            except Exception as exc:  # noqa: BLE001 - only slower (and a scan uncounted, best effort)
                redis_failed(exc, "fastpage")
        return [body]

    @staticmethod
    def _redis_usable(redis) -> bool:
        """False while Redis is down; after an outage, one ping first, so the recovery hooks
        drop the pages kept before it before any is served again."""
        if not redis_down():
            return True
        if not redis_available():
            return False
        try:
            redis.ping()
        except Exception as exc:  # noqa: BLE001
            redis_failed(exc, "fastpage")
            return False
        redis_succeeded()
        return not redis_down()


def drain_scans(limit: int = 10_000) -> list[list]:
    """Take up to ``limit`` queued scan lines off the list."""
    redis = client()
    if redis is None or not redis_available():
        return []
    pipe = redis.pipeline()
    pipe.lrange(scan_list_key(), 0, limit - 1)
    pipe.ltrim(scan_list_key(), limit, -1)
    try:
        lines, _ = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - Redis down: the scans wait there for its return
        redis_failed(exc, "fastpage.drain_scans")
        return []
    return [json.loads(line) for line in lines]
