"""The Ed25519 key that signs the daily chain digests.

The key comes from ``SUYUAN_SIGNING_KEY`` (the 32-byte private key in base64, or a PEM
``PRIVATE KEY``). Without it, the embedded default generates one into
``SUYUAN_SIGNING_KEY_FILE`` (``var/chain-signing-key.pem``) on first use and logs that it
did: fine for a laptop, not for production, where the key is set and kept apart from the
database it vouches for. The public key is published at ``/.well-known/suyuan-chain-key``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)


def _parse_private(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("SUYUAN_SIGNING_KEY must be an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured("SUYUAN_SIGNING_KEY is neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "SUYUAN_SIGNING_KEY in base64 must be the 32-byte Ed25519 private key"
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _generated(path: Path) -> Ed25519PrivateKey:
    """Read the key file, or create it (exclusively, so two processes agree on one key)."""
    try:
        return _parse_private(path.read_text())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _parse_private(path.read_text())
    with os.fdopen(fd, "wb") as out:
        out.write(_pem(key))
    log.warning(
        "No SUYUAN_SIGNING_KEY set: generated a chain-digest signing key at %s. "
        "Set SUYUAN_SIGNING_KEY in production and publish its public key.",
        path,
    )
    return key


def private_key() -> Ed25519PrivateKey:
    if settings.SUYUAN_SIGNING_KEY:
        return _parse_private(settings.SUYUAN_SIGNING_KEY)
    return _generated(Path(settings.SUYUAN_SIGNING_KEY_FILE))


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """The key's fingerprint: sha256 of its 32 raw bytes, hex."""
    return hashlib.sha256(raw_public(key)).hexdigest()


def load_public(text: str) -> Ed25519PublicKey:
    """A public key from PEM or from base64 of its 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sign(data: bytes) -> str:
    return base64.b64encode(private_key().sign(data)).decode()


def signature_valid(key: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
