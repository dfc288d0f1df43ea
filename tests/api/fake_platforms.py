"""Fakes of the group-robot endpoints of WeCom, DingTalk and Feishu: real HTTP servers on a local
socket that check a request as the platform documents it and answer as it does."""

import base64
import hashlib
import hmac
import json
import threading
import time
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
