import copy
import json
from pathlib import Path

import pytest

# GS1's published EPCIS 2.0 examples and OpenAPI document (test vectors; see LICENSE there).
CONFORMANCE = Path(__file__).resolve().parents[2] / "fixtures" / "gs1-epcis"
EXAMPLES = sorted((CONFORMANCE / "JSON").rglob("*.jsonld"))


def example(name: str) -> dict:
    return json.loads((CONFORMANCE / "JSON" / name).read_text(encoding="utf-8"))


def document(*events, context=None) -> dict:
    return {
        "@context": context or ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-20T08:00:00.000+08:00",
        "epcisBody": {"eventList": [copy.deepcopy(e) for e in events]},
    }


def object_event(**fields) -> dict:
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-20T09:30:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:6901234.012345.1001"],
        "bizStep": "inspecting",
    }
    event.update(fields)
    return event


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """POST a document to /epcis/capture as ``persona``; runs the job (eager Celery after commit)."""

    def run(
        persona, doc, *, behaviour=None, content_type="application/ld+json", headers=None, raw=None
    ):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if behaviour:
            extra["HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR"] = behaviour
        body = raw if raw is not None else json.dumps(doc)
        with django_capture_on_commit_callbacks(execute=True):
            response = persona.client.generic(
                "POST", "/epcis/capture", body, content_type=content_type, **extra
            )
        return response

    return run


@pytest.fixture
def job_of(capture):
    """Capture and return (response, capture job document)."""

    def run(persona, doc, **kwargs):
        response = capture(persona, doc, **kwargs)
        assert response.status_code == 202, response.content
        job = persona.client.get(response["Location"])
        assert job.status_code == 200
        return job.json()

    return run


@pytest.fixture(autouse=True)
def _celery_inline():
    """Run Celery tasks inline in these tests even when REDIS_URL points at a real broker."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
