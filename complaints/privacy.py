"""Contact details at rest and the client key of the rate limits.

Contact details (name, phone, postal address) are one Fernet token (``cryptography``) under the key in
``COMPLAINT_CONTACT_KEY``; when that is empty (the embedded default) the key is derived
from ``SECRET_KEY``, so a development database stays readable across restarts. A client
is known to the rate limits only by a keyed hash (HMAC-SHA256) of its address, kept in
the cache for the length of the window and never in the database.
"""

import base64
import hashlib
import hmac
import json
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

# No 0/O, 1/I/L: easy to read aloud and to type from a note.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def _fernet() -> Fernet:
    key = settings.COMPLAINT_CONTACT_KEY
    if not key:
        digest = hashlib.sha256(
            b"suyuan complaint contact key|" + settings.SECRET_KEY.encode()
        ).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt_contact(*, name: str, phone: str, address: str = "") -> bytes:
    if not name and not phone and not address:
        return b""
    data = {"name": name, "phone": phone}
    if address:
        data["address"] = address
    return _fernet().encrypt(json.dumps(data, ensure_ascii=False).encode())


def decrypt_contact(token: bytes | memoryview) -> dict:
    token = bytes(token or b"")
    if not token:
        return {"name": "", "phone": ""}
    try:
        return json.loads(_fernet().decrypt(token))  # "address" only when one was given
    except InvalidToken:
        return {"name": "", "phone": "", "unreadable": True}


def new_tracking_code() -> str:
    """10 symbols of 31: about 49 bits, unguessable at the rate limits' pace."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_tracking_code(value: str) -> str | None:
    """``abcde-fghjk`` / ``ABCDE FGHJK`` → ``ABCDEFGHJK``; None when it cannot be one."""
    code = "".join(ch for ch in (value or "").upper() if ch not in " -")
    if len(code) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in code):
        return None
    return code


def client_key(address: str) -> str:
    key = hashlib.sha256(b"suyuan client key|" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]
