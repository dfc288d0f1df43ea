"""Suyuan settings: one module, every switch an environment variable.

Embedded default (no variables set): SQLite in ./var, in-process cache, Celery
tasks run inline. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.

Production refuses to start without SECRET_KEY (see ``_secret_key``); behind the
documented TLS proxy set SECURE_PROXY=1 (or HTTPS=1 for TLS without a proxy).
"""

import ipaddress
import os
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_json_object, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SUYUAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Development mode: the embedded default (no DATABASE_URL) and the test runner, unless
# SUYUAN_DEV=0; or SUYUAN_DEV=1 explicitly. Only there may a missing SECRET_KEY be made up.
SUYUAN_DEV = env_bool("SUYUAN_DEV", not env_str("DATABASE_URL") or "pytest" in sys.modules)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in development (DEBUG or SUYUAN_DEV) a random key kept
    in var/secret_key (created once, mode 0600). Otherwise no key is a refusal to start."""
    key = env_str("SECRET_KEY", "").strip()
    if key:
        return key
    if not (DEBUG or SUYUAN_DEV):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs its own secret key "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
            "for development set SUYUAN_DEV=1 or DEBUG=1 to use a generated one in var/."
        )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    try:
        with open(path, "x", opener=lambda p, flags: os.open(p, flags, 0o600)) as f:
            f.write(secrets.token_urlsafe(50))
    except FileExistsError:  # made by an earlier start (or a concurrent one): keep it
        pass
    for _attempt in range(50):  # a concurrent first start may still be writing it
        key = path.read_text().strip()
        if key:
            break
        time.sleep(0.01)
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it to have a new key generated.")
    return key


SECRET_KEY = _secret_key()
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The Digital Link URIs printed on packages start with this; this server resolves them.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The host names this server answers: ALLOWED_HOSTS (comma-separated), plus the
# host of PUBLIC_BASE_URL, which the QR codes send phones to (a LAN address
# such as http://192.168.1.20:8000 when a phone scans a development server).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
_public_host = urlsplit(PUBLIC_BASE_URL).hostname or ""
if ":" in _public_host:
    _public_host = f"[{_public_host}]"
if _public_host and _public_host not in ALLOWED_HOSTS and "*" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public_host)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "api",
    "trace.apps.TraceConfig",
    "incidents",
    "complaints",
    "recalls",
    "inspections",
    "credit",
    "workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Scopes database reads to the request (config.routers: read replicas).
    "config.routers.ReplicaReadsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "api.middleware.LanguageSwitchMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    # A view the database cannot serve answers 503 with Retry-After (api.outage).
    "api.middleware.DatabaseOutageMiddleware",
    "api.middleware.RefuseInvalidInputMiddleware",
    # Last: turns a login refused for too many failures into a 429 (api.views.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "suyuan.sqlite3",
            "OPTIONS": {
                # WAL lets the consumer page read while a capture writes; IMMEDIATE
                # takes the write lock up front so concurrent writers queue
                # instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The trace's read statements are prepared once per PostgreSQL connection (trace.core.rows.Statement);
# 0 behind a connection pooler in transaction mode, which cannot keep them.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)

# --- read replicas and a connection pooler (docs/SCALING.md) -----------------------
# Streaming replicas of the primary (comma-separated PostgreSQL URLs), read by replica_0, … for
# the replica-safe reads only (config.routers: traces, exports, EPCIS queries, dashboards, the
# consumer page's journey); everything else, and all that follows a write, reads the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
DATABASE_REPLICAS: list[str] = []
if DATABASE_REPLICA_URLS and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL (the primary) as well.")
for _i, _url in enumerate(DATABASE_REPLICA_URLS):
    DATABASES[f"replica_{_i}"] = {
        **dj_database_url.parse(_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)),
        "TEST": {"MIRROR": "default"},  # the test suite reads the primary under every alias
    }
    DATABASE_REPLICAS.append(f"replica_{_i}")
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# DATABASE_POOLER=transaction: every URL above is a PgBouncer in transaction mode, which hands
# each transaction any server connection. Then no server-side cursors (a cursor outlives its
# transaction) and no prepared statements (PREPARE lives on one server connection).
DATABASE_POOLER = env_str("DATABASE_POOLER", "")
if DATABASE_POOLER not in ("", "transaction"):
    raise ImproperlyConfigured(
        f"DATABASE_POOLER is empty or 'transaction', got {DATABASE_POOLER!r}"
    )
if DATABASE_POOLER == "transaction":
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", False)

# --- cache and tasks ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
# Redis down is not an outage (api.degrade): the cache fails open, tasks run inline,
# one log line; Redis is tried again after this many seconds, without a restart.
REDIS_RETRY_SECONDS = env_int("REDIS_RETRY_SECONDS", 5)
_REDIS_SOCKET = {
    "socket_connect_timeout": env_int("REDIS_CONNECT_TIMEOUT_MS", 500) / 1000,
    "socket_timeout": env_int("REDIS_TIMEOUT_MS", 2000) / 1000,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "suyuan"),
            "OPTIONS": dict(_REDIS_SOCKET),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_TIMEOUT = _REDIS_SOCKET["socket_connect_timeout"]
CELERY_BROKER_TRANSPORT_OPTIONS = dict(_REDIS_SOCKET)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict = {
    # Scans answered by the fast page layer wait in Redis; store them in bulk.
    "trace-flush-scan-log": {
        "task": "trace.consumer.tasks.flush_scan_log",
        "schedule": env_int("SCAN_LOG_FLUSH_SECONDS", 10),
    },
}

# --- auth -----------------------------------------------------------------
# django-axes first: it refuses a locked-out login on every path (API token, /accounts/login/,
# /admin/login/, /api-auth/login/) before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Failed attempts before a lockout, and how long it lasts (minutes).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 30))
# Counted per (username, client address): a guesser is stopped without letting anyone
# lock a colleague out from elsewhere. LOGIN_LOCKOUT_BY=username counts per account only.
AXES_LOCKOUT_PARAMETERS = (
    ["username"] if env_str("LOGIN_LOCKOUT_BY", "") == "username" else [["username", "ip_address"]]
)
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # no Redis needed
AXES_LOCKOUT_CALLABLE = "api.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# API tokens (django-rest-knox): stored hashed, expiring, revocable; sent as "Token <token>".
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24 * 7)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- uploaded files (attachments; filesystem storage by default) ----
MEDIA_ROOT = env_str("MEDIA_ROOT", str(VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"

# --- static ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "api.parsing.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "600/minute"),
        "user": env_str("THROTTLE_USER", "6000/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# --- parsing what anonymous callers send (api.parsing) ------------------
# JSON and JSON-LD bodies deeper than this are a 400 before any parser recurses.
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "api.parsing.DepthLimitedJSONParser",
    "api.parsing.DepthLimitedJSONLDParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]

SPECTACULAR_SETTINGS = {
    "TITLE": "Suyuan (溯源) API",
    "DESCRIPTION": "Product traceability (GS1 EPCIS 2.0, GS1 Digital Link), "
    "quality-safety incident reporting and defect recalls.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["api.schema.drop_duplicate_file_routes"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_problems",
    ],
}

# --- domain settings (every regulatory figure is a setting) ---------------
# Largest quantity of one batch we accept; guards against typos like 1e12.
SUYUAN_MAX_QUANTITY = env_int("SUYUAN_MAX_QUANTITY", 10**12)
# Default depth of a trace query.
SUYUAN_TRACE_DEFAULT_DEPTH = env_int("SUYUAN_TRACE_DEFAULT_DEPTH", 20)
SUYUAN_TRACE_MAX_DEPTH = env_int("SUYUAN_TRACE_MAX_DEPTH", 100)
# Seconds a rendered consumer page stays cached (invalidated on any change anyway).
SUYUAN_PUBLIC_PAGE_TTL = env_int("SUYUAN_PUBLIC_PAGE_TTL", 300)

# --- recalls (SAMR Order 19, food-recall forms, FDA 21 CFR 7, EU GPSR Art. 35-37) ---
# The legal time limits (objection window, plan, progress and summary reports, food launch
# and completion) and the effectiveness-check shares come from the rulebook (core.rulebook:
# SAMR Order 19, CFDA Order 12 / SAMR Order 122, 21 CFR 7.42); change them with
# RULEBOOK_OVERRIDES. The settings below only fill in where the rulebook has no rule.
# Summary report of a food recall under the old text (CFDA Order 12), in working days.
RECALL_SUMMARY_WORKING_DAYS = env_int("RECALL_SUMMARY_WORKING_DAYS", 15)
# Progress reports of a food recall under the old text (no interval read in it).
RECALL_PROGRESS_INTERVAL_DAYS = env_int("RECALL_PROGRESS_INTERVAL_DAYS", 90)
RECALL_PROGRESS_INTERVAL_DAYS_CLASS_I = env_int("RECALL_PROGRESS_INTERVAL_DAYS_CLASS_I", 14)
# An overdue report is escalated again after this many days (0: once), counted from its due time.
RECALL_OVERDUE_REPEAT_DAYS = env_int("RECALL_OVERDUE_REPEAT_DAYS", 7)
# How many remedies a plan offers unless the producer records why not. Chinese law asks for a
# remedy (SAMR Order 19 Art. 3: warnings, repair, replacement, return); the choice of at least
# two is the EU's (GPSR Art. 37(1)), not Chinese law, so the default is one.
RECALL_MIN_REMEDIES = env_int("RECALL_MIN_REMEDIES", 1)
# Acknowledgement links: lifetime, reminder interval, reminders before escalation.
RECALL_ACK_TOKEN_DAYS = env_int("RECALL_ACK_TOKEN_DAYS", 30)
RECALL_ACK_REMINDER_HOURS = env_int("RECALL_ACK_REMINDER_HOURS", 48)
RECALL_ACK_MAX_REMINDERS = env_int("RECALL_ACK_MAX_REMINDERS", 2)
# FDA 21 CFR 7.42(b)(3) effectiveness-check level B: the share of consignees checked, set
# case by case between level C and all (levels A, C, D, E come from the rulebook).
RECALL_EFFECTIVENESS_B = env_int("RECALL_EFFECTIVENESS_B", 50)
# GPSR Art. 36(3): wording that lowers the perceived risk is refused in the consumer notice
# (the recall type is shown by the system). Matched case-insensitively. "主动召回" is not in it:
# it is the legal term for a voluntary recall (国务院关于加强食品等产品安全监督管理的特别规定
# Art. 9; CFDA Order 12 Art. 12: 主动召回).
RECALL_REFUSED_PHRASES = env_list(
    "RECALL_REFUSED_PHRASES",
    [
        "voluntary",
        "voluntarily",
        "precautionary",
        "as a precaution",
        "discretionary",
        "in rare situations",
        "in rare cases",
        "in specific situations",
        "no reported injuries",
        "abundance of caution",
        "自愿",
        "预防性",
        "出于谨慎",
        "极少数情况",
        "极个别情况",
        "特定情况",
        "未收到伤害报告",
    ],
)
# Lots named per EPCIS "recalled" event at activation (one capture for the whole scope).
RECALL_LOTS_PER_EVENT = env_int("RECALL_LOTS_PER_EVENT", 200)

# --- EPCIS 2.0 interface ---------------------------------------------------
# Advertised by OPTIONS /epcis/capture; beyond them a capture is refused with 413.
EPCIS_CAPTURE_LIMIT = env_int("EPCIS_CAPTURE_LIMIT", 10_000)
EPCIS_CAPTURE_FILE_SIZE_LIMIT = env_int("EPCIS_CAPTURE_FILE_SIZE_LIMIT", 20 * 1024 * 1024)
EPCIS_MAX_JSON_DEPTH = env_int("EPCIS_MAX_JSON_DEPTH", 32)
EPCIS_PER_PAGE_DEFAULT = env_int("EPCIS_PER_PAGE_DEFAULT", 30)
EPCIS_PER_PAGE_MAX = env_int("EPCIS_PER_PAGE_MAX", 1000)
EPCIS_MAX_QUERY_RESULT = env_int("EPCIS_MAX_QUERY_RESULT", 100_000)
EPCIS_WEBHOOK_TIMEOUT = env_int("EPCIS_WEBHOOK_TIMEOUT", 10)
EPCIS_WEBHOOK_MAX_RETRIES = env_int("EPCIS_WEBHOOK_MAX_RETRIES", 6)
# Accepted capture jobs: the database row is the job, the broker message only a
# wake-up call. A job not finished this many seconds after it was queued or started is queued
# again by the deadline sweep (beat, or `sweep_deadlines --every 60`), the wait doubling each
# time up to 16-fold; a job started this many times without finishing (its worker died each
# time) ends failed with that reason. Re-running a job stores nothing twice (event IDs).
CAPTURE_JOB_REQUEUE_SECONDS = env_int("CAPTURE_JOB_REQUEUE_SECONDS", 120)
CAPTURE_JOB_MAX_ATTEMPTS = env_int("CAPTURE_JOB_MAX_ATTEMPTS", 5)
# Jobs the sweep queues again per pass (the oldest first); the rest wait for the next pass.
CAPTURE_JOB_REQUEUE_BATCH = env_int("CAPTURE_JOB_REQUEUE_BATCH", 200)
# The worker reconnects to the broker for as long as it is down (Celery's default gives up
# after 100 tries, about 50 minutes, and the worker exits); a task whose worker process is
# killed goes back to the queue (``run_capture_job`` sets reject_on_worker_lost).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False

# --- shared workflow foundation (api/: outbox, deadlines, working days) -----
# Mail for notifications; the embedded default writes each message to a file under var/mail.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "suyuan@localhost")
# Outbox delivery: attempts before a notification is marked failed, exponential back-off.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60)
NOTIFICATION_RETRY_MAX_SECONDS = env_int("NOTIFICATION_RETRY_MAX_SECONDS", 3600)
NOTIFICATION_RETRY_BATCH = env_int("NOTIFICATION_RETRY_BATCH", 500)
NOTIFICATION_WEBHOOK_TIMEOUT = env_int("NOTIFICATION_WEBHOOK_TIMEOUT", 10)
# Group-chat robots (core.alerts): (messages, seconds) each robot may post, per its platform's
# published limit (DingTalk, WeCom: 20 a minute; Feishu: 100 a minute and 5 a second).
ALERT_RATE_LIMITS = {
    "dingtalk": [(env_int("ALERT_DINGTALK_PER_MINUTE", 20), 60)],
    "wecom": [(env_int("ALERT_WECOM_PER_MINUTE", 20), 60)],
    "feishu": [
        (env_int("ALERT_FEISHU_PER_MINUTE", 100), 60),
        (env_int("ALERT_FEISHU_PER_SECOND", 5), 1),
    ],
    "sms": [(env_int("ALERT_SMS_PER_MINUTE", 20), 60)],
}
# SMS through a provider's SDK: "" (off), "aliyun" (alibabacloud-dysmsapi20170525) or "tencent"
# (tencentcloud-sdk-python-sms). The template takes the message's subject as its parameter.
ALERT_SMS_PROVIDER = env_str("ALERT_SMS_PROVIDER", "")
ALERT_SMS_ACCESS_KEY_ID = env_str("ALERT_SMS_ACCESS_KEY_ID", "")
ALERT_SMS_ACCESS_KEY_SECRET = env_str("ALERT_SMS_ACCESS_KEY_SECRET", "")
ALERT_SMS_SIGN_NAME = env_str("ALERT_SMS_SIGN_NAME", "")
ALERT_SMS_TEMPLATE = env_str("ALERT_SMS_TEMPLATE", "")
ALERT_SMS_APP_ID = env_str("ALERT_SMS_APP_ID", "")  # tencent: SmsSdkAppId
ALERT_SMS_REGION = env_str("ALERT_SMS_REGION", "")  # tencent: ap-guangzhou by default
# The provider's API host[:port]; empty: the SDK's own (aliyun dysmsapi.aliyuncs.com, tencent
# sms.tencentcloudapi.com). Set for a private deployment or a test fake, with its scheme.
ALERT_SMS_ENDPOINT = env_str("ALERT_SMS_ENDPOINT", "")
ALERT_SMS_SCHEME = env_str("ALERT_SMS_SCHEME", "https")  # tencent: https or http
ALERT_SMS_TIMEOUT = env_int("ALERT_SMS_TIMEOUT", 10)  # tencent: seconds per request
# One deadline sweep (every registered sweeper) and one outbox retry pass per period.
CELERY_BEAT_SCHEDULE["api-sweep-deadlines"] = {
    "task": "api.tasks.sweep_deadlines",
    "schedule": env_int("DEADLINE_SWEEP_SECONDS", 60),
}
CELERY_BEAT_SCHEDULE["api-retry-pending-notifications"] = {
    "task": "api.tasks.retry_pending_notifications",
    "schedule": env_int("NOTIFICATION_RETRY_SWEEP_SECONDS", 60),
}

# --- tamper evidence: signed daily digests of the event chains ----
# Ed25519 private key (base64 of its 32 bytes, or PEM). Unset: generated into the file
# below on first use (embedded default only; production sets the key and keeps it apart).
SUYUAN_SIGNING_KEY = env_str("SUYUAN_SIGNING_KEY", "")
SUYUAN_SIGNING_KEY_FILE = env_str("SUYUAN_SIGNING_KEY_FILE", str(VAR_DIR / "chain-signing-key.pem"))
# When beat signs yesterday's digest (CELERY_TIMEZONE).
SUYUAN_CHAIN_DIGEST_HOUR = env_int("SUYUAN_CHAIN_DIGEST_HOUR", 0)
SUYUAN_CHAIN_DIGEST_MINUTE = env_int("SUYUAN_CHAIN_DIGEST_MINUTE", 15)
CELERY_BEAT_SCHEDULE["trace-chain-digest"] = {
    "task": "trace.core.tasks.chain_digest_daily",
    "schedule": crontab(hour=SUYUAN_CHAIN_DIGEST_HOUR, minute=SUYUAN_CHAIN_DIGEST_MINUTE),
}
# --- partitioned events (PostgreSQL; trace.core.partitions) ---
# Monthly partitions of trace_event created this many months ahead, by beat once a day.
EVENT_PARTITION_MONTHS_AHEAD = env_int("EVENT_PARTITION_MONTHS_AHEAD", 3)
# Years a month of events stays attached at least; the record-keeping rules in force set the
# floor (the longest wins), this may only lengthen it (an operator's or a province's own rule).
EVENT_RETENTION_YEARS = env_int("EVENT_RETENTION_YEARS", 0)
CELERY_BEAT_SCHEDULE["trace-event-partitions"] = {
    "task": "trace.core.tasks.create_event_partitions",
    "schedule": crontab(hour=3, minute=30),
}
# --- trace rules and consumer page (status only through recorded events) ---
# Seconds a worker serves a consumer page from its own memory before asking Redis again,
# even if it missed a version announcement (a lost pub/sub message never outlives this).
SUYUAN_FASTPAGE_LOCAL_TTL = env_int("SUYUAN_FASTPAGE_LOCAL_TTL", 5)
# --- outbound calls to user-given URLs (api.outbound: webhooks, notifications) -----------
# Public HTTPS only by default. For intranets: host names (".corp.example" for a domain) or
# networks (10.20.0.0/16) where private addresses and http:// are accepted...
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
# ...or private (RFC 1918 / unique-local) addresses for every destination, still over HTTPS.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", True)

# --- HTTPS, cookies, headers -------------------------------------------------
# SECURE_PROXY=1: behind the documented TLS proxy, which sets X-Forwarded-Proto (then trusted;
# X-Forwarded-For only from TRUSTED_PROXIES, below). HTTPS=1: served over TLS (implied by the proxy).
SECURE_PROXY = env_bool("SECURE_PROXY", False)
HTTPS = env_bool("HTTPS", SECURE_PROXY)
if SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# The preload flag only makes the site eligible for browsers' HSTS preload list; switching it
# off (SECURE_HSTS_PRELOAD=0) is a conscious choice, so Django's reminder is silenced then.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD or not HTTPS else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The health endpoint answers the container healthcheck over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy of every HTML page (config.security): our own scripts and styles
# only (Swagger UI and the pages are served from /static/), images also as data: URIs.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# --- incidents: the local product-quality emergency plan, SAMR Order 19, seed 004 ----
# No national law grades general product-quality incidents; the local plan does, and most borrow
# the work-safety grading, whose figures are these defaults (UNVERIFIED for any one locality: set
# the plan's own; the rulebook's incident.product.* rules say the same). A grade applies when any
# one figure reaches its threshold;
# the most serious grade met wins; below every grade III threshold is grade IV.
INCIDENT_GRADE_THRESHOLDS = {
    "I": {
        "deaths": env_int("INCIDENT_GRADE_I_DEATHS", 30),
        "serious_injuries": env_int("INCIDENT_GRADE_I_SERIOUS_INJURIES", 100),
        "direct_loss": env_int("INCIDENT_GRADE_I_DIRECT_LOSS", 100_000_000),
    },
    "II": {
        "deaths": env_int("INCIDENT_GRADE_II_DEATHS", 10),
        "serious_injuries": env_int("INCIDENT_GRADE_II_SERIOUS_INJURIES", 50),
        "direct_loss": env_int("INCIDENT_GRADE_II_DIRECT_LOSS", 50_000_000),
    },
    "III": {
        "deaths": env_int("INCIDENT_GRADE_III_DEATHS", 3),
        "serious_injuries": env_int("INCIDENT_GRADE_III_SERIOUS_INJURIES", 10),
        "direct_loss": env_int("INCIDENT_GRADE_III_DIRECT_LOSS", 10_000_000),
    },
}
# The highest level each grade must reach (the local plan's; defaults I–II national, III province,
# IV city).
INCIDENT_GRADE_TOP_LEVEL = {
    "I": env_str("INCIDENT_GRADE_I_TOP_LEVEL", "national"),
    "II": env_str("INCIDENT_GRADE_II_TOP_LEVEL", "national"),
    "III": env_str("INCIDENT_GRADE_III_TOP_LEVEL", "province"),
    "IV": env_str("INCIDENT_GRADE_IV_TOP_LEVEL", "city"),
}
# Enterprise report due after discovery and each level's pass-up (the local plan's clock; defaults
# 1 hour and 2 hours).
INCIDENT_REPORT_DUE_MINUTES = env_int("INCIDENT_REPORT_DUE_MINUTES", 60)
INCIDENT_PASS_UP_MINUTES = env_int("INCIDENT_PASS_UP_MINUTES", 120)
# Reminder policy for a level that has not acknowledged: which levels, first delay and interval, how many.
INCIDENT_REMINDER_LEVELS = env_list(
    "INCIDENT_REMINDER_LEVELS", ["county", "city", "province", "national"]
)
INCIDENT_REMINDER_MINUTES = env_int("INCIDENT_REMINDER_MINUTES", 30)
INCIDENT_REMINDER_REPEAT = env_int("INCIDENT_REMINDER_REPEAT", 3)
# Consumer-product defect without casualties (SAMR Order 19): 2 working days, to the province.
INCIDENT_DEFECT_REPORT_WORKING_DAYS = env_int("INCIDENT_DEFECT_REPORT_WORKING_DAYS", 2)
INCIDENT_DEFECT_LEVEL = env_str("INCIDENT_DEFECT_LEVEL", "province")
# Food-safety incidents are graded by the province's plan (the national plan has no figures):
# the profile of the rulebook's food_incident.<profile>.* rules (jiangsu: template B; template_a).
INCIDENT_FOOD_PROVINCE_PROFILE = env_str("INCIDENT_FOOD_PROVINCE_PROFILE", "jiangsu")
# Supplementary report within 30 days of a change; investigation report 60 days (+60 once);
# award holders' written report within 30 days (seed 004).
INCIDENT_SUPPLEMENT_DAYS = env_int("INCIDENT_SUPPLEMENT_DAYS", 30)
INCIDENT_INVESTIGATION_DAYS = env_int("INCIDENT_INVESTIGATION_DAYS", 60)
INCIDENT_INVESTIGATION_EXTENSION_DAYS = env_int("INCIDENT_INVESTIGATION_EXTENSION_DAYS", 60)
INCIDENT_AWARD_WRITTEN_REPORT_DAYS = env_int("INCIDENT_AWARD_WRITTEN_REPORT_DAYS", 30)
# Grades that count as a "major incident" for the award holders' written report.
INCIDENT_AWARD_GRADES = env_list("INCIDENT_AWARD_GRADES", ["I", "II"])
# Tolerance for clocks: a time this far in the future still counts as "now".
INCIDENT_CLOCK_SKEW_SECONDS = env_int("INCIDENT_CLOCK_SKEW_SECONDS", 300)
# Plausibility caps on reported figures (typos like 1e9 deaths are refused).
INCIDENT_MAX_CASUALTIES = env_int("INCIDENT_MAX_CASUALTIES", 1_000_000)
INCIDENT_MAX_DIRECT_LOSS = env_int("INCIDENT_MAX_DIRECT_LOSS", 10**13)
INCIDENT_MAX_BATCHES = env_int("INCIDENT_MAX_BATCHES", 200)
# Attachments: photos (JPEG, PNG) and PDFs, checked by content, at most this size.
INCIDENT_ATTACHMENT_MAX_BYTES = env_int("INCIDENT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
INCIDENT_ATTACHMENT_MAX_COUNT = env_int("INCIDENT_ATTACHMENT_MAX_COUNT", 50)
# One OpenAPI name per incident choice set.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "IncidentGradeEnum": "incidents.choices.Grade",
    "IncidentLevelEnum": "incidents.choices.Level",
    "IncidentKindEnum": "incidents.choices.Kind",
    "IncidentCategoryEnum": "incidents.choices.Category",
    "ComplaintDeclineGroundEnum": "complaints.choices.DeclineGround",
    "ComplaintTerminationGroundEnum": "complaints.choices.TerminationGround",
    "AwardRevocationGroundEnum": "credit.choices.RevocationGround",
    "RespondentKindEnum": "complaints.choices.RespondentKind",
    "ProductCategoryEnum": "trace.core.choices.ProductCategory",
    "OrganizationKindEnum": "core.choices.OrganizationKind",
    "IncidentStatusEnum": "incidents.choices.Status",
    "IncidentSourceEnum": "incidents.choices.Source",
    "IncidentTransferTargetEnum": "incidents.choices.TransferTarget",
}
# How many due incidents one sweep locks per transaction (one commit and one statement of each
# kind per chunk; a province's minute of 1 % due out of 100 k open is one chunk).
INCIDENT_SWEEP_CHUNK = env_int("INCIDENT_SWEEP_CHUNK", 1000)

# --- complaints, risk signals and consumer warnings: SAMR Order 20, seed 004 ----
# SAMR Order 20 Art. 14: decide whether to accept within 7 working days. Mediation's period is
# the rulebook's complaint.mediation_days in force on the complaint's date (60 days from
# acceptance, Consumer Rights Protection Law Implementing Regulation Art. 46 ¶3; Order 20
# Art. 21's 45 working days before 2024-07-01); change it through RULEBOOK_OVERRIDES.
# COMPLAINT_MEDIATION_WORKING_DAYS is no longer read (kept so existing environments still load).
COMPLAINT_ACCEPT_WORKING_DAYS = env_int("COMPLAINT_ACCEPT_WORKING_DAYS", 7)
COMPLAINT_MEDIATION_WORKING_DAYS = env_int("COMPLAINT_MEDIATION_WORKING_DAYS", 45)
# Fernet key (urlsafe base64, 32 bytes) for contact details at rest. Empty: derived from
# SECRET_KEY (the embedded default only; set a real key in production, and keep it).
COMPLAINT_CONTACT_KEY = env_str("COMPLAINT_CONTACT_KEY", "")
COMPLAINT_DESCRIPTION_MAX = env_int("COMPLAINT_DESCRIPTION_MAX", 2000)
COMPLAINT_PHOTO_MAX_BYTES = env_int("COMPLAINT_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
COMPLAINT_PHOTO_MAX_COUNT = env_int("COMPLAINT_PHOTO_MAX_COUNT", 3)
COMPLAINT_PHOTO_MAX_PIXELS = env_int("COMPLAINT_PHOTO_MAX_PIXELS", 40_000_000)
# Per client (keyed hash of the address, never stored): submissions and status lookups.
COMPLAINT_SUBMIT_RATE = env_str("COMPLAINT_SUBMIT_RATE", "5/hour")
COMPLAINT_LOOKUP_RATE = env_str("COMPLAINT_LOOKUP_RATE", "30/minute")
# Injury monitoring (seed 004): a signal when at least N people were hurt by one batch in the
# window, or a week's count on a product reaches MULTIPLE x the trailing average. People are
# counted from complaints (one per injury complaint) and incidents naming the batch (deaths +
# serious + minor injuries); the name keeps its first meaning, when only complaints counted.
RISK_INJURY_MIN_COMPLAINTS = env_int("RISK_INJURY_MIN_COMPLAINTS", 3)
RISK_INJURY_WINDOW_DAYS = env_int("RISK_INJURY_WINDOW_DAYS", 7)
RISK_INJURY_TRAILING_WEEKS = env_int("RISK_INJURY_TRAILING_WEEKS", 8)
RISK_INJURY_MULTIPLE = env_int("RISK_INJURY_MULTIPLE", 3)
RISK_INJURY_MULTIPLE_MIN = env_int("RISK_INJURY_MULTIPLE_MIN", 2)
# Scan signals: a never-issued code scanned this often in the window; a recalled, destroyed or
# expired lot scanned this often after the fact; more scans than FACTOR x units made.
RISK_UNKNOWN_CODE_SCANS = env_int("RISK_UNKNOWN_CODE_SCANS", 5)
RISK_SCANS_AFTER_END = env_int("RISK_SCANS_AFTER_END", 3)
RISK_SCANS_PER_UNIT_FACTOR = env_int("RISK_SCANS_PER_UNIT_FACTOR", 3)
# Diversion: scans placed in a city the lot was never shipped to, at least this often. Places
# come from an operator-supplied CSV of "network,region_code" lines (empty: not placed at all).
# The scan rules read the scan log at most once per this many minutes (the sweep runs every minute).
RISK_SCAN_SWEEP_MINUTES = env_int("RISK_SCAN_SWEEP_MINUTES", 15)
RISK_SCANS_OUTSIDE_REGION = env_int("RISK_SCANS_OUTSIDE_REGION", 5)
SCAN_REGION_NETWORKS_FILE = env_str("SCAN_REGION_NETWORKS_FILE", "")

# --- photos without metadata; the incremental injury-signal sweep ---------
# An incident photo is decoded and re-encoded without EXIF (GPS) like a complaint photo; larger
# than this many pixels it is refused.
INCIDENT_PHOTO_MAX_PIXELS = env_int("INCIDENT_PHOTO_MAX_PIXELS", 40_000_000)
# Injury monitoring over incidents runs from a queue filled when an incident with casualties is
# reported or its figures change; one sweep transaction evaluates at most this many of them.
RISK_INJURY_SWEEP_CHUNK = env_int("RISK_INJURY_SWEEP_CHUNK", 500)

# --- the workbench's dashboard, quality records and annual report -------------------
# The dashboard's date range: at most this many days.
DASHBOARD_MAX_DAYS = env_int("DASHBOARD_MAX_DAYS", 3660)
# Quality credit records and classified supervision (seeds 002 Art. 23, 003 Art. 32, 001 Art. 25).
# The record counts the last QUALITY_WINDOW_YEARS years. An enterprise is in the worst class one
# of whose thresholds its record reaches (D worst, then C, then B; none reached: A). Each
# threshold is the count from which the measure puts it there; 0 switches that threshold off.
# Measures (credit.criteria cites each): incidents of grade I-II ("major"), of grade III, of
# grade IV, once the handling regulator accepted them and confirmed the grade; ordered recalls
# (any class) and ordered class I recalls (a voluntary recall never counts: State Council
# Order 503 Art. 9 makes it the producer's duty); complaints upheld; official spot checks failed;
# late reports. The thresholds are the province's local policy.
QUALITY_WINDOW_YEARS = env_int("QUALITY_WINDOW_YEARS", 3)
QUALITY_CLASS_THRESHOLDS = {
    "D": {
        "incidents_major": env_int("QUALITY_CLASS_D_MAJOR_INCIDENTS", 1),
        "recalls_class_1": env_int("QUALITY_CLASS_D_CLASS_1_RECALLS", 2),
        "complaints_upheld": env_int("QUALITY_CLASS_D_COMPLAINTS_UPHELD", 20),
        "failed_spot_checks": env_int("QUALITY_CLASS_D_FAILED_INSPECTIONS", 5),
        "late_reports": env_int("QUALITY_CLASS_D_LATE_REPORTS", 3),
    },
    "C": {
        "incidents_grade_III": env_int("QUALITY_CLASS_C_GRADE_III_INCIDENTS", 1),
        "recalls": env_int("QUALITY_CLASS_C_RECALLS", 2),
        "complaints_upheld": env_int("QUALITY_CLASS_C_COMPLAINTS_UPHELD", 10),
        "failed_spot_checks": env_int("QUALITY_CLASS_C_FAILED_INSPECTIONS", 2),
        "late_reports": env_int("QUALITY_CLASS_C_LATE_REPORTS", 1),
    },
    "B": {
        "incidents_grade_IV": env_int("QUALITY_CLASS_B_GRADE_IV_INCIDENTS", 1),
        "recalls": env_int("QUALITY_CLASS_B_RECALLS", 1),
        "complaints_upheld": env_int("QUALITY_CLASS_B_COMPLAINTS_UPHELD", 3),
        "failed_spot_checks": env_int("QUALITY_CLASS_B_FAILED_INSPECTIONS", 1),
    },
}
# Award eligibility (seed 004 Art. 11 (8)): no incident of these grades in the window.
QUALITY_AWARD_EXCLUDING_GRADES = env_list("QUALITY_AWARD_EXCLUDING_GRADES", ["I", "II", "III"])
# The award office (评定办, SIP award Art. 6: in the park's market regulator): the regulators of
# these levels governing the enterprise verify declarations, receive the holders' written reports
# and revoke awards. The credit classes that count as a record of serious dishonesty
# (严重失信行为记录, SIP award Art. 11 (7)). Both the province's local policy.
AWARD_OFFICE_LEVELS = env_list("AWARD_OFFICE_LEVELS", ["county", "city"])
AWARD_SERIOUS_DISHONESTY_CLASSES = env_list("AWARD_SERIOUS_DISHONESTY_CLASSES", ["D"])
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"],
    "ComplaintStatusEnum": "complaints.choices.ComplaintStatus",
    "RiskSignalKindEnum": "complaints.choices.SignalKind",
    "RiskSignalStatusEnum": "complaints.choices.SignalStatus",
}

# --- reports (举报): clocks come from the rulebook (report.* keys); the public intake
# and lookup share the complaint rates (COMPLAINT_SUBMIT_RATE / COMPLAINT_LOOKUP_RATE), counted
# apart; the reporter's contact details use COMPLAINT_CONTACT_KEY.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"],
    "ReportStatusEnum": "complaints.choices.ReportStatus",
    "ReportSourceEnum": "complaints.choices.ReportSource",
}

# --- the rulebook (core.rulebook; every rule listed in docs/RULES.md) ------------------------
# Replace a rule's figure (a province's own plan, a corrected figure; every UNVERIFIED figure is
# only a default): a JSON object of rule key -> value, or -> {"value", "unit", "status",
# "instrument_zh", "instrument_en", "article_zh", "article_en", "in_force_from", "in_force_to"}
# (or a list of those for several periods). The rule then says "overridden" and cites this.
RULEBOOK_OVERRIDES = env_json_object("RULEBOOK_OVERRIDES", {})
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"],
    "RuleUnitEnum": "core.rulebook.model.UNIT_VALUES",
    "RuleStatusEnum": "core.rulebook.model.STATUS_VALUES",
}

# --- client addresses, rate limits and outages ----------------------------------
# The proxies whose X-Forwarded-For is believed (IP addresses or CIDR networks, comma-separated;
# none by default). One rule (api.client) gives the client address to the throttles, the login
# lockout and the scan regions: the right-most X-Forwarded-For hop that is not a trusted proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:  # a typo here would silently trust no one, or the wrong one
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (CIDR)"
        ) from exc
# The API's own throttles: the client address above, and with Redis down the counts go on in a
# file shared by this host's processes (then in process memory), never "everything allowed".
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "api.throttling.AnonRateThrottle",
    "api.throttling.UserRateThrottle",
]
THROTTLE_FALLBACK_FILE = env_str(
    "THROTTLE_FALLBACK_FILE", str(VAR_DIR / "throttle-fallback.sqlite3")
)
# PostgreSQL down: 503 problem+json (a page for people) with this Retry-After, in seconds; each
# request tries the database again (stale connections are checked before use), so service
# resumes without a restart. A connection attempt gives up after DATABASE_CONNECT_TIMEOUT s.
DATABASE_RETRY_AFTER_SECONDS = env_int("DATABASE_RETRY_AFTER_SECONDS", 5)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )

# Official spot checks (双随机、一公开, Sichuan draft Art. 27): the most enterprises one draw
# may pick (a draw plans one check each, in one transaction).
SPOT_CHECK_MAX_ENTERPRISES = env_int("SPOT_CHECK_MAX_ENTERPRISES", 500)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- region codes -----------------------------------------------------------
# The administrative division list (GB/T 2260) every typed region code is checked against: JSON
# with "year", "source" and "codes" (code → name), kept up to date by
# ``manage.py update_region_codes <file>`` (which rewrites this file).
REGION_CODES_FILE = env_str("REGION_CODES_FILE", str(BASE_DIR / "core" / "data" / "gb2260.json"))
