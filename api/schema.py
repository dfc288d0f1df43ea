"""OpenAPI hooks: the schema says what the server does.

``drop_duplicate_file_routes`` (pre-processing) hides the router's duplicate
``…/qr.png/`` spelling of the file endpoints. ``document_problems``
(post-processing) adds the RFC 9457 problem+json answers every operation can
give — refused input, no or wrong credentials, an object you may not see,
a conflict with the current state, too large a body, too many requests — so a
client (and schemathesis) finds each status the server may send in the schema.
"""

import re

# File endpoints answer at …/qr.png (the contract) and, via the router, also at
# …/qr.png/; document only the first.
_FILE_WITH_SLASH = re.compile(r"\.(png|svg|csv|xlsx)/$")


def drop_duplicate_file_routes(endpoints):
    return [e for e in endpoints if not _FILE_WITH_SLASH.search(e[0])]


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; ``errors`` names each field and the rule it broke.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "rule": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["rule", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

_ALWAYS = {
    "400": "Invalid input (the `errors` list names each field and rule).",
    "401": "Authentication required: no or invalid credentials.",
    "403": "Permission denied: your organization or role may not do this.",
    "404": "Not found, or not visible to your organization.",
    "406": "Not acceptable (Accept header, or an EPCIS/CBV version this server does not speak).",
    "429": "Too many requests: retry after the `Retry-After` seconds.",
}
_WITH_BODY = {
    "409": "Conflict with the current state of the resource (an illegal transition, a duplicate).",
    "413": "Request body too large.",
    "415": "Unsupported media type: send JSON.",
}
_WRITES = {"post", "put", "patch", "delete"}


def document_problems(result, generator, request, public):
    """Post-processing hook: document the problem+json error answers on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", PROBLEM_SCHEMA)
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(_ALWAYS)
            if method in _WRITES:
                codes.update(_WITH_BODY)
            for code, description in codes.items():
                response = operation["responses"].setdefault(code, {"description": description})
                response.setdefault("content", {"application/problem+json": {"schema": ref}})
    return result
