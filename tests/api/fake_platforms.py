"""Fakes of the group-robot endpoints of WeCom, DingTalk and Feishu and of Tencent Cloud's SMS API:
real HTTP servers on a local socket that check a request as the platform documents it and answer
as it does."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakePlatform:
    """One platform's robot endpoint on 127.0.0.1, checking what its documentation says."""

    def __init__(self, platform: str, *, secret: str = "", key: str = "robot-key-1"):
        self.platform = platform
        self.secret = secret
        self.key = key
        self.received: list[dict] = []
        self.refusals: list[tuple[int, str]] = []
        self.answer_code: int | None = None  # forced errcode (e.g. a rate-limit answer)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length).decode())
                code, message = fake.check(self.path, body)
                if code == 0 and fake.answer_code is not None:
                    code, message = fake.answer_code, "forced"
                if code == 0:
                    fake.received.append(body)
                else:
                    fake.refusals.append((code, message))
                answer = fake.answer(code, message)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        if self.platform == "wecom":
            return f"{self.base}/cgi-bin/webhook/send?key={self.key}"
        if self.platform == "dingtalk":
            return f"{self.base}/robot/send?access_token={self.key}"
        return f"{self.base}/open-apis/bot/v2/hook/{self.key}"

    def check(self, path: str, body: dict) -> tuple[int, str]:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if self.platform == "wecom":
            if query.get("key") != [self.key]:
                return 93000, "invalid webhook url"
            if body.get("msgtype") not in ("text", "markdown") or not body.get(
                body["msgtype"], {}
            ).get("content"):
                return 40008, "invalid message type"
            return 0, "ok"
        if self.platform == "dingtalk":
            if query.get("access_token") != [self.key]:
                return 300001, "token is not exist"
            timestamp = query.get("timestamp", [""])[0]
            sent_sign = query.get("sign", [""])[0]  # parse_qs has URL-decoded it once
            if not timestamp or abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
                return 310000, "invalid timestamp"
            digest = hmac.new(
                self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
            if sent_sign != base64.b64encode(digest).decode():
                return 310000, "sign not match"
            if body.get("msgtype") not in ("text", "markdown"):
                return 40035, "invalid msgtype"
            return 0, "ok"
        # Feishu
        timestamp = body.get("timestamp", "")
        if not timestamp or abs(int(timestamp) - time.time()) > 3600:
            return 19021, "sign match fail or timestamp is not within one hour from current time"
        key = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if body.get("sign") != expected:
            return 19021, "sign match fail or timestamp is not within one hour from current time"
        if body.get("msg_type") not in ("text", "interactive", "post"):
            return 9499, "Bad Request"
        return 0, "success"

    def answer(self, code: int, message: str) -> dict:
        if self.platform == "feishu":
            return {"code": code, "msg": message, "data": {}}
        return {"errcode": code, "errmsg": message}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeTencentSms:
    """Tencent Cloud's SMS API (``sms.tencentcloudapi.com``, version 2021-01-11) on 127.0.0.1.

    It checks a request the way the platform documents its signature v3 (TC3-HMAC-SHA256):

    - ``Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request,
      SignedHeaders=<names;...>, Signature=<hex>``; the date is the UTC day of
      ``X-TC-Timestamp``, the service ``sms``, and the timestamp within 5 minutes of now;
    - the canonical request is ``method \\n uri \\n query \\n headers \\n signed names \\n
      hex(SHA-256(body))``, the headers being each signed one as ``name:value\\n`` (lower case,
      trimmed), ``content-type`` and ``host`` among them;
    - the string to sign is ``TC3-HMAC-SHA256 \\n timestamp \\n scope \\n
      hex(SHA-256(canonical request))`` and the key is HMAC-SHA256 chained over
      ``"TC3" + SecretKey``, the date, the service and ``tc3_request``.

    It answers as the platform: ``{"Response": {"SendStatusSet": [...], "RequestId": ...}}`` with
    one ``Code`` per number ("Ok" when taken), or ``{"Response": {"Error": {"Code", "Message"},
    "RequestId"}}`` for a request it refuses as a whole.
    """

    SERVICE = "sms"
    VERSION = "2021-01-11"

    def __init__(self, secret_id: str, secret_key: str, *, app_id: str):
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.app_id = app_id
        self.received: list[dict] = []  # the bodies of accepted requests
        self.raw: list[tuple[dict, bytes]] = []  # (headers, body) of every request
        self.refusals: list[tuple[str, str]] = []
        self.failing_numbers: dict[str, tuple[str, str]] = {}  # number -> (Code, Message)
        self.forced_error: tuple[str, str] | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.raw.append((headers, raw))
                answer = fake.handle(self.command, self.path, headers, raw)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    def expected_signature(
        self, method: str, path: str, headers: dict, signed: list[str], body: bytes, scope: str
    ) -> str:
        parts = urlsplit(path)
        canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed)
        canonical_request = "\n".join(
            [
                method,
                parts.path or "/",
                parts.query,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        string_to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                headers.get("x-tc-timestamp", ""),
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        date, service, _terminator = scope.split("/")
        key = self._hmac(("TC3" + self.secret_key).encode(), date)
        key = self._hmac(key, service)
        key = self._hmac(key, "tc3_request")
        return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def check_signature(
        self, method: str, path: str, headers: dict, body: bytes
    ) -> tuple[str, str] | None:
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        if algorithm != "TC3-HMAC-SHA256":
            return "AuthFailure.InvalidAuthorization", "Authorization header is not TC3-HMAC-SHA256"
        fields = dict(item.strip().split("=", 1) for item in rest.split(",") if "=" in item.strip())
        credential = fields.get("Credential", "").split("/")
        if len(credential) != 4 or credential[3] != "tc3_request":
            return (
                "AuthFailure.InvalidAuthorization",
                "Credential is not id/date/service/tc3_request",
            )
        secret_id, date, service, _ = credential
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound", "The SecretId is not found"
        timestamp = headers.get("x-tc-timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 300:
            return "AuthFailure.SignatureExpire", "Signature expired"
        day = time.strftime("%Y-%m-%d", time.gmtime(int(timestamp)))
        if date != day or service != self.SERVICE:
            return "AuthFailure.InvalidAuthorization", "Credential scope date or service is wrong"
        signed = fields.get("SignedHeaders", "").split(";")
        if not {"content-type", "host"} <= set(signed) or signed != sorted(signed):
            return "AuthFailure.InvalidAuthorization", "SignedHeaders must hold content-type;host"
        expected = self.expected_signature(
            method, path, headers, signed, body, f"{date}/{service}/tc3_request"
        )
        if not hmac.compare_digest(fields.get("Signature", ""), expected):
            return "AuthFailure.SignatureFailure", "The provided credentials could not be validated"
        return None

    def handle(self, method: str, path: str, headers: dict, raw: bytes) -> dict:
        request_id = str(uuid.uuid4())
        refusal = self.check_signature(method, path, headers, raw)
        if refusal is None and headers.get("x-tc-action") != "SendSms":
            refusal = ("InvalidAction", "The action is not found")
        if refusal is None and headers.get("x-tc-version") != self.VERSION:
            refusal = ("NoSuchVersion", "The version is not supported")
        body: dict = {}
        if refusal is None:
            body = json.loads(raw.decode())
            for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
                if not body.get(name):
                    refusal = ("MissingParameter", f"The request is missing {name}")
                    break
        if refusal is None and body["SmsSdkAppId"] != self.app_id:
            refusal = ("FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify fail")
        if refusal is None and self.forced_error:
            refusal = self.forced_error
        if refusal is not None:
            self.refusals.append(refusal)
            code, message = refusal
            return {
                "Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
            }
        self.received.append(body)
        statuses = []
        for n, number in enumerate(body["PhoneNumberSet"]):
            code, message = self.failing_numbers.get(number, ("Ok", "send success"))
            statuses.append(
                {
                    "SerialNo": f"{request_id[:8]}:{n}" if code == "Ok" else "",
                    "PhoneNumber": number,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            )
        return {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
