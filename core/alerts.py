"""Group-chat robots (WeCom 企业微信, DingTalk 钉钉, Feishu 飞书) and SMS as outbox channels.

Each platform's custom group robot takes a JSON POST to its webhook address:

- WeCom: ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``, the key in the URL is the
  only credential (no signature); ``{"msgtype": "text"|"markdown", …}``; the answer's
  ``errcode`` is 0 when the message was taken.
- DingTalk: ``https://oapi.dingtalk.com/robot/send?access_token=…``; a robot with the
  "加签" security setting wants ``timestamp`` (milliseconds) and ``sign`` =
  base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")) added to the query string,
  URL-encoded; ``errcode`` 0 when taken.
- Feishu: ``https://open.feishu.cn/open-apis/bot/v2/hook/…``; with a signing secret the body
  carries ``timestamp`` (seconds) and ``sign`` = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}",
  msg=b"")); ``code`` (or the older ``StatusCode``) 0 when taken.

Every platform limits how fast one robot may post (``ALERT_RATE_LIMITS``: DingTalk and WeCom 20
a minute, Feishu 100 a minute and 5 a second). ``claim_slot`` counts the channel's own recent
attempts under a row lock; a message over the limit is not sent nor dropped: ``Throttled`` tells
the outbox to try it again once a slot frees. A platform that answers "too fast" anyway
(``RATE_LIMIT_CODES``, HTTP 429) is treated the same way.

SMS goes through the provider SDK named by ``ALERT_SMS_PROVIDER`` (``aliyun``:
``alibabacloud-dysmsapi20170525``; ``tencent``: ``tencentcloud-sdk-python-sms``, Tencent Cloud SMS
API 2021-01-11); off when empty. ``ALERT_SMS_ENDPOINT`` (host[:port]) and, for Tencent,
``ALERT_SMS_SCHEME`` point the SDK at another address than the provider's public one. A provider
whose package is not installed fails the delivery with that reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import time
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AlertChannel, AlertPlatform, MessageFormat, Notification
from .outbound import DestinationRefused, OutboundError, check_destination, post

# The answer codes by which a platform says "too many messages, later" (DingTalk 130101 "send
# too fast, exceed 20 times per minute"; WeCom 45009 "api freq out of limit"; Feishu 11232).
RATE_LIMIT_CODES = {
    AlertPlatform.DINGTALK: {130101},
    AlertPlatform.WECOM: {45009},
    AlertPlatform.FEISHU: {11232},
}
# The most a message may hold, in bytes of UTF-8 (WeCom: text 2048, markdown 4096).
MAX_BYTES = {
    (AlertPlatform.WECOM, MessageFormat.TEXT): 2048,
    (AlertPlatform.WECOM, MessageFormat.MARKDOWN): 4096,
    (AlertPlatform.DINGTALK, MessageFormat.TEXT): 18000,
    (AlertPlatform.DINGTALK, MessageFormat.MARKDOWN): 18000,
    (AlertPlatform.FEISHU, MessageFormat.TEXT): 18000,
    (AlertPlatform.FEISHU, MessageFormat.MARKDOWN): 18000,
}
# What each robot's URL must look like (path prefix, query parameter holding its key).
ROBOT_URL_SHAPES = {
    AlertPlatform.WECOM: ("/cgi-bin/webhook/send", "key"),
    AlertPlatform.DINGTALK: ("/robot/send", "access_token"),
    AlertPlatform.FEISHU: ("/open-apis/bot/v2/hook/", ""),
}
ROBOTS = (AlertPlatform.WECOM, AlertPlatform.DINGTALK, AlertPlatform.FEISHU)


class AlertDeliveryError(Exception):
    """The platform refused or could not be reached (retried with back-off, then failed)."""


class Throttled(Exception):
    """Not sent now: the channel's rate limit is reached; try again in ``wait`` seconds."""

    def __init__(self, wait: float, why: str):
        super().__init__(why)
        self.wait = max(1.0, wait)


# --- signing ---------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` (before URL-encoding)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: the key is "timestamp\\nsecret", the message empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


# --- messages --------------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def message_text(notification: Notification, fmt: str) -> tuple[str, str]:
    """(title, content) of a notification in ``fmt``: the subject, the body, its link."""
    title = notification.subject
    body = notification.body.strip()
    link = ""
    if isinstance(notification.payload, dict):
        link = str(notification.payload.get("url") or "")
    if fmt == MessageFormat.MARKDOWN:
        parts = [f"### {title}", body]
        if link:
            parts.append(f"[{_('Open')}]({link})")
    else:
        parts = [title, body, link]
    return title, "\n\n".join(str(p) for p in parts if p)


def robot_message(channel: AlertChannel, notification: Notification) -> dict:
    fmt = channel.message_format
    title, content = message_text(notification, fmt)
    content = _clip(content, MAX_BYTES[(channel.platform, fmt)])
    if channel.platform == AlertPlatform.WECOM:
        return {"msgtype": fmt, fmt: {"content": content}}
    if channel.platform == AlertPlatform.DINGTALK:
        if fmt == MessageFormat.MARKDOWN:
            return {"msgtype": "markdown", "markdown": {"title": title, "text": content}}
        return {"msgtype": "text", "text": {"content": content}}
    if fmt == MessageFormat.MARKDOWN:  # Feishu: a card whose text is lark_md
        return {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": title}},
                "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": content}}],
            },
        }
    return {"msg_type": "text", "content": {"text": content}}


def robot_request(
    channel: AlertChannel, notification: Notification, *, now: float
) -> tuple[str, bytes]:
    """The URL and body a robot is posted, signed as its platform wants."""
    message = robot_message(channel, notification)
    url = channel.url
    if channel.platform == AlertPlatform.DINGTALK and channel.secret:
        timestamp = int(now * 1000)
        sign = quote_plus(dingtalk_sign(channel.secret, timestamp))
        url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
    elif channel.platform == AlertPlatform.FEISHU and channel.secret:
        timestamp = int(now)
        message = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp)}
        message.update(robot_message(channel, notification))
    return url, json.dumps(message, ensure_ascii=False).encode()


# --- rate limits -----------------------------------------------------------------------------


def limits(platform: str) -> list[tuple[int, float]]:
    """(messages, seconds) windows of a platform (``ALERT_RATE_LIMITS``)."""
    return [tuple(pair) for pair in settings.ALERT_RATE_LIMITS.get(platform, [])]


def claim_slot(channel: AlertChannel, now: float) -> None:
    """Count one attempt on ``channel`` (locked by the caller) or raise ``Throttled``."""
    windows = limits(channel.platform)
    longest = max((seconds for _count, seconds in windows), default=0)
    recent = sorted(t for t in channel.recent_sends if isinstance(t, int | float))
    recent = [t for t in recent if t > now - longest]
    for count, seconds in windows:
        inside = [t for t in recent if t > now - seconds]
        if len(inside) >= count:
            wait = inside[-count] + seconds - now
            raise Throttled(
                wait, f"rate limit {count}/{seconds:g}s reached; next try in {math.ceil(wait)}s"
            )
    recent.append(now)
    channel.recent_sends = recent
    channel.save(update_fields=["recent_sends"])


# --- sending ---------------------------------------------------------------------------------


def _answer_code(answer: bytes) -> tuple[int | None, str]:
    try:
        data = json.loads(answer.decode() or "null")
    except (UnicodeDecodeError, ValueError):
        return None, answer[:200].decode(errors="replace")
    if not isinstance(data, dict):
        return None, str(data)[:200]
    for key, text in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        if key in data:
            try:
                return int(data[key]), str(data.get(text, ""))[:500]
            except (TypeError, ValueError):
                return None, str(data)[:200]
    return None, str(data)[:200]


def send_robot(channel: AlertChannel, notification: Notification, *, now: float) -> None:
    url, body = robot_request(channel, notification, now=now)
    try:
        status, answer = post(
            url,
            body,
            {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Suyuan-Alerts/1"},
            timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT,
        )
    except (DestinationRefused, OutboundError) as exc:
        raise AlertDeliveryError(str(exc)) from exc
    code, message = _answer_code(answer)
    if status == 429 or code in RATE_LIMIT_CODES.get(channel.platform, ()):
        raise Throttled(60, f"{channel.platform} answered too fast: {code} {message}".strip())
    if not 200 <= status < 300:
        raise AlertDeliveryError(f"HTTP {status}: {code} {message}".strip())
    if code != 0:
        raise AlertDeliveryError(f"{channel.platform} errcode {code}: {message}")


def sms_enabled() -> bool:
    return bool(getattr(settings, "ALERT_SMS_PROVIDER", ""))


def send_sms(channel: AlertChannel, notification: Notification) -> None:
    numbers = [n.strip() for n in channel.phone_numbers.split(",") if n.strip()]
    if not numbers:
        raise AlertDeliveryError("no mobile number")
    provider = getattr(settings, "ALERT_SMS_PROVIDER", "")
    text = _clip(notification.subject, 60)
    if provider == "aliyun":
        _send_aliyun(numbers, text)
    elif provider == "tencent":
        _send_tencent(numbers, text)
    else:
        raise AlertDeliveryError(f"SMS is off or its provider {provider!r} is unknown")


def _send_aliyun(numbers: list[str], text: str) -> None:
    try:
        from alibabacloud_dysmsapi20170525 import models as sms_models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models
    except ImportError as exc:
        raise AlertDeliveryError(
            "SMS provider aliyun: package alibabacloud-dysmsapi20170525 is not installed"
        ) from exc
    client = Client(
        open_api_models.Config(
            access_key_id=settings.ALERT_SMS_ACCESS_KEY_ID,
            access_key_secret=settings.ALERT_SMS_ACCESS_KEY_SECRET,
            endpoint=settings.ALERT_SMS_ENDPOINT or "dysmsapi.aliyuncs.com",
        )
    )
    request = sms_models.SendSmsRequest(
        phone_numbers=",".join(numbers),
        sign_name=settings.ALERT_SMS_SIGN_NAME,
        template_code=settings.ALERT_SMS_TEMPLATE,
        template_param=json.dumps({"subject": text}, ensure_ascii=False),
    )
    try:
        response = client.send_sms(request)
    except Exception as exc:  # the SDK raises its own error types
        raise AlertDeliveryError(f"aliyun SMS: {exc}"[:500]) from exc
    code = getattr(response.body, "code", None)
    if code != "OK":
        raise AlertDeliveryError(f"aliyun SMS {code}: {getattr(response.body, 'message', '')}")


def _send_tencent(numbers: list[str], text: str) -> None:
    """Tencent Cloud SMS API 2021-01-11 ``SendSms``: a JSON POST signed TC3-HMAC-SHA256 by the
    SDK. ``SendStatusSet`` holds one ``Code`` per number ("Ok" when taken); a whole-request
    refusal (bad signature, unknown app...) comes back as ``Response.Error`` and the SDK raises
    it. ``RequestLimitExceeded`` is "too fast": tried again later without using an attempt."""
    try:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models as sms_models
        from tencentcloud.sms.v20210111 import sms_client
    except ImportError as exc:
        raise AlertDeliveryError(
            "SMS provider tencent: package tencentcloud-sdk-python-sms is not installed"
        ) from exc
    http_profile = HttpProfile(
        protocol=getattr(settings, "ALERT_SMS_SCHEME", "") or "https",
        endpoint=settings.ALERT_SMS_ENDPOINT or "sms.tencentcloudapi.com",
        reqTimeout=getattr(settings, "ALERT_SMS_TIMEOUT", 10),
    )
    client = sms_client.SmsClient(
        credential.Credential(
            settings.ALERT_SMS_ACCESS_KEY_ID, settings.ALERT_SMS_ACCESS_KEY_SECRET
        ),
        settings.ALERT_SMS_REGION or "ap-guangzhou",
        ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http_profile),
    )
    request = sms_models.SendSmsRequest()
    request.PhoneNumberSet = [n if n.startswith("+") else f"+86{n}" for n in numbers]
    request.SmsSdkAppId = settings.ALERT_SMS_APP_ID
    request.SignName = settings.ALERT_SMS_SIGN_NAME
    request.TemplateId = settings.ALERT_SMS_TEMPLATE
    request.TemplateParamSet = [text]
    try:
        response = client.SendSms(request)
    except TencentCloudSDKException as exc:
        code = exc.get_code() or ""
        if code == "RequestLimitExceeded" or code.startswith("RequestLimitExceeded."):
            raise Throttled(60, f"tencent SMS answered too fast: {code}") from exc
        raise AlertDeliveryError(
            f"tencent SMS {code}: {exc.get_message()} (RequestId {exc.get_request_id()})"[:500]
        ) from exc
    except Exception as exc:  # transport errors the SDK did not wrap
        raise AlertDeliveryError(f"tencent SMS: {exc}"[:500]) from exc
    failed = [s for s in response.SendStatusSet or [] if s.Code != "Ok"]
    if failed or not response.SendStatusSet:
        raise AlertDeliveryError(
            (
                "tencent SMS: "
                + (
                    "; ".join(f"{s.PhoneNumber} {s.Code} {s.Message}" for s in failed)
                    or "no status"
                )
            )[:500]
        )


def send(channel: AlertChannel | None, notification: Notification) -> None:
    """Send one outbox row over its alert channel (throttled; the caller holds the row lock)."""
    if channel is None or not channel.is_active:
        raise AlertDeliveryError("alert channel removed or disabled")
    now = time.time()
    claim_slot(channel, now)
    if channel.platform == AlertPlatform.SMS:
        send_sms(channel, notification)
    else:
        send_robot(channel, notification, now=now)


# --- checking what an administrator registers --------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def robot_url_problem(platform: str, url: str) -> str | None:
    """Why ``url`` is not a robot webhook address of ``platform`` (a rule name), or None."""
    path_prefix, key = ROBOT_URL_SHAPES[platform]
    parts = urlsplit(url)
    if not parts.path.startswith(path_prefix):
        return "robot_url_shape"
    if path_prefix.endswith("/") and len(parts.path) <= len(path_prefix):
        return "robot_url_shape"
    if key and f"{key}=" not in (parts.query or ""):
        return "robot_url_shape"
    return None


def _field(name: str, message, code: str) -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code)})


def alert_channel_check(*, platform: str, url: str, secret: str, phone_numbers: str) -> None:
    """Refuse (Django ``ValidationError`` naming the field and rule) a channel that could not
    work: a robot address of the wrong shape or outside the public network (``core.outbound``),
    a secret on WeCom (which signs nothing), SMS while no provider is set, a bad number."""
    if platform in ROBOTS:
        if not url:
            raise _field("url", _("A robot needs its webhook URL."), "required")
        if robot_url_problem(platform, url):
            raise _field(
                "url",
                _("This is not a webhook URL of a %(platform)s group robot.")
                % {"platform": AlertPlatform(platform).label},
                "robot_url_shape",
            )
        try:
            check_destination(url)
        except DestinationRefused as exc:
            raise _field("url", exc.message, exc.rule) from exc
        if platform == AlertPlatform.WECOM and secret:
            raise _field(
                "secret",
                _("A WeCom group robot has no signing secret: its key is in the URL."),
                "wecom_no_secret",
            )
        if phone_numbers:
            raise _field("phone_numbers", _("Mobile numbers belong to an SMS channel."), "sms_only")
        return
    if not sms_enabled():
        raise _field(
            "platform",
            _("SMS is off on this server (ALERT_SMS_PROVIDER is not set)."),
            "sms_off",
        )
    numbers = [n.strip() for n in phone_numbers.split(",") if n.strip()]
    if not numbers:
        raise _field("phone_numbers", _("An SMS channel needs at least one number."), "required")
    for number in numbers:
        if not _PHONE.match(number):
            raise _field(
                "phone_numbers",
                _("%(number)s is not a mobile number.") % {"number": number},
                "phone_number",
            )
    if url or secret:
        raise _field("url", _("An SMS channel has no URL or secret."), "robots_only")


__all__ = [
    "AlertDeliveryError",
    "Throttled",
    "dingtalk_sign",
    "feishu_sign",
    "robot_request",
    "send",
    "sms_enabled",
]
