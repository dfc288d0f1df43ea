"""The public key that verifies the signed chain digests, for anyone who keeps them."""

from trace.core import signing

from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def chain_public_key(request) -> JsonResponse:
    """``/.well-known/suyuan-chain-key``: the Ed25519 public key the chain digests are signed with."""
    key = signing.public_key()
    response = JsonResponse(
        {
            "algorithm": "Ed25519",
            "key_id": signing.key_id(key),
            "public_key": signing.b64(signing.raw_public(key)),
            "public_key_pem": signing.public_pem(key),
        }
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
