"""The EPCIS 2.0 REST binding (``/epcis/…``), as the official OpenAPI document describes it.

Errors are RFC 9457 problem+json whose ``type`` is the EPCIS exception
(``epcisException:ValidationException``…) with our ``errors`` list naming the
field and rule. Every response carries ``GS1-EPCIS-Version`` and
``GS1-CBV-Version``.
"""

from __future__ import annotations

import codecs
from trace.models import Event
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import problem_exception_handler
from api.parsing import InputRefused, query_int
from api.permissions import IsEnterpriseMember, IsMember, organization_of
from core.outbound import DestinationRefused, check_destination

from . import services, tasks
from .documents import capture_job_document, iso_utc, query_document
from .models import CaptureJob, NamedQuery, Subscription
from .query import QueryParameterError, matching_events, normalise_params, parse_query
from .schedule import ScheduleError, next_run
from .validation import DocumentError, parse_json, validate_capture_document
from .xml import query_document_xml, read_capture_xml

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
JSON_TYPES = ("application/json", "application/ld+json")
XML_TYPES = ("application/xml", "text/xml")

_EXCEPTION_BY_STATUS = {
    400: "ValidationException",
    401: "SecurityException",
    403: "SecurityException",
    404: "NoSuchNameException",
    405: "MethodNotAllowedException",
    406: "NotAcceptableException",
    409: "ResourceAlreadyExistsException",
    413: "CaptureLimitExceededException",
    414: "URITooLongException",
    415: "UnsupportedMediaTypeException",
    429: "TooManyRequestsException",
}


# The list endpoints (capture jobs, named queries, subscriptions) answer a JSON array.
_ARRAY_OF_OBJECTS = {"type": "array", "items": {"type": "object"}}


class EpcisJSONRenderer(JSONRenderer):
    media_type = "application/json"


class LDJSONRenderer(JSONRenderer):
    media_type = "application/ld+json"


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"


class EpcisXMLRenderer(JSONRenderer):
    """An EPCISQueryDocument in the EPCIS 2.0 XML binding (``Accept: application/xml``);
    anything else (a problem) stays JSON, under the content type the handler set."""

    media_type = "application/xml"
    format = "xml"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and data.get("type") == "EPCISQueryDocument":
            return query_document_xml(data)
        return super().render(data, accepted_media_type, renderer_context)


QUERY_RENDERERS = [EpcisJSONRenderer, LDJSONRenderer, EpcisXMLRenderer, ProblemJSONRenderer]


class _Problem(exceptions.APIException):
    def __init__(self, error: DocumentError):
        self.status_code = error.status
        self.error = error
        super().__init__(detail=str(error))


def epcis_exception_handler(exc, context):
    if isinstance(exc, DocumentError):
        exc = _Problem(exc)
    if isinstance(exc, _Problem):
        body = services.problem(
            exc.error.problem_type, exc.status_code, _title(exc.status_code), exc.error.errors
        )
        headers = _limit_headers() if exc.status_code == 413 else None
        return Response(
            body, status=exc.status_code, headers=headers, content_type="application/problem+json"
        )
    response = problem_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        response.data["type"] = "epcisException:" + _EXCEPTION_BY_STATUS.get(
            response.status_code, "ImplementationException"
        )
    return response


def _title(status_code: int) -> str:
    return {
        400: _("Invalid input"),
        404: _("Not found"),
        406: _("Not acceptable"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
    }.get(status_code, _("Error"))


def _limit_headers() -> dict:
    return {
        "GS1-EPCIS-Capture-Limit": str(settings.EPCIS_CAPTURE_LIMIT),
        "GS1-EPCIS-Capture-File-Size-Limit": str(settings.EPCIS_CAPTURE_FILE_SIZE_LIMIT),
    }


class EpcisView(APIView):
    """Base of the EPCIS endpoints: EPCIS problem types and version headers."""

    permission_classes = [IsMember]
    renderer_classes = [EpcisJSONRenderer, LDJSONRenderer, ProblemJSONRenderer]
    allowed_methods_header = "OPTIONS, GET"

    def get_exception_handler(self):
        return epcis_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for header in ("GS1-EPCIS-Version", "GS1-EPCIS-Min"):
            value = request.headers.get(header)
            if value and not value.strip().startswith("2"):
                raise exceptions.NotAcceptable(_("This repository speaks EPCIS 2.0 only."))
        value = request.headers.get("GS1-CBV-Version")
        if value and not value.strip().startswith("2"):
            raise exceptions.NotAcceptable(_("This repository speaks CBV 2.0 only."))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["GS1-EPCIS-Version"] = EPCIS_VERSION
        response["GS1-CBV-Version"] = CBV_VERSION
        response["GS1-EPCIS-Min"] = EPCIS_VERSION
        response["GS1-EPCIS-Max"] = EPCIS_VERSION
        response["GS1-CBV-Min"] = CBV_VERSION
        response["GS1-CBV-Max"] = CBV_VERSION
        response["GS1-EPC-Format"] = "No_Preference"
        return response

    def options(self, request, *args, **kwargs):
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Allow"] = self.allowed_methods_header
        return response


# --- capture ---------------------------------------------------------------------


class CaptureView(EpcisView):
    permission_classes = [IsEnterpriseMember]
    allowed_methods_header = "OPTIONS, GET, POST"

    def options(self, request, *args, **kwargs):
        response = super().options(request, *args, **kwargs)
        for key, value in _limit_headers().items():
            response[key] = value
        response["GS1-Capture-Error-Behaviour"] = "all"
        return response

    @extend_schema(
        tags=["epcis"],
        operation_id="epcis_capture_list",
        summary="List this organization's capture jobs",
        responses={200: _ARRAY_OF_OBJECTS},
    )
    def get(self, request):
        jobs = CaptureJob.objects.filter(organization=organization_of(request.user)).defer("body")
        page, next_link = _page(request, jobs.order_by("-created_at", "id"))
        response = Response([capture_job_document(job) for job in page])
        if next_link:
            response["Link"] = next_link
        return response

    @extend_schema(
        tags=["epcis"],
        summary="Capture an EPCISDocument (asynchronous: 202 + Location)",
        request=OpenApiTypes.OBJECT,
        responses={202: None},
    )
    def post(self, request):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type not in JSON_TYPES + XML_TYPES:
            raise exceptions.UnsupportedMediaType(content_type or "-")
        limit = settings.EPCIS_CAPTURE_FILE_SIZE_LIMIT
        too_large = DocumentError(
            [
                {
                    "field": None,
                    "rule": "file_size_limit",
                    "message": _("The document is larger than %(limit)s bytes.") % {"limit": limit},
                }
            ],
            problem_type="CaptureLimitExceededException",
            status=413,
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise too_large
        body = request._request.read(limit + 1)
        if len(body) > limit:
            raise too_large
        if content_type in XML_TYPES:
            # Hardened parse, GS1's XML schema, then the JSON-LD form every capture stores.
            document = read_capture_xml(body)
            body = orjson.dumps(document)
        elif body.startswith(codecs.BOM_UTF8):  # RFC 8259 §8.1: a parser may ignore one
            body = body[len(codecs.BOM_UTF8) :]
        if content_type not in XML_TYPES:
            document = parse_json(body)
        event_count = len(validate_capture_document(document, body=body))
        del document  # parsed and checked: freed before the body is stored beside it
        behaviour = (
            (request.headers.get("GS1-Capture-Error-Behaviour") or "rollback").strip().lower()
        )
        if behaviour not in CaptureJob.ErrorBehaviour.values:
            raise DocumentError(
                [
                    {
                        "field": "GS1-Capture-Error-Behaviour",
                        "rule": "capture_error_behaviour",
                        "message": _("Use rollback or proceed."),
                    }
                ]
            )
        with transaction.atomic():
            job = services.capture_job_create(
                body=body,
                event_count=event_count,
                organization=organization_of(request.user),
                user=request.user,
                error_behaviour=behaviour,
                epcis_version=request.headers.get("GS1-EPCIS-Version", ""),
                cbv_version=request.headers.get("GS1-CBV-Version", ""),
            )
            job_id = str(job.pk)
            # robust: the job is committed, so the 202 stands whatever queueing it meets (the
            # deadline sweep queues it again if it never runs).
            transaction.on_commit(lambda: tasks.run_capture_job.delay(job_id), robust=True)
        response = Response(status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/epcis/capture/{job.pk}"
        return response


class CaptureJobView(EpcisView):
    permission_classes = [IsEnterpriseMember]

    @extend_schema(
        tags=["epcis"], summary="The state of a capture job", responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request, capture_id):
        job = get_object_or_404(
            CaptureJob.objects.defer("body"),
            pk=_uuid(capture_id),
            organization=organization_of(request.user),
        )
        return Response(capture_job_document(job))


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise exceptions.NotFound() from exc


# --- queries ---------------------------------------------------------------------

_SALT = "trace.epcis.page"


def _page(request, queryset, *, params: dict | None = None, limit: int | None = None):
    """One page of ``queryset`` and the ``Link: rel="next"`` header value (or None)."""
    try:
        per_page = query_int(
            request.query_params,
            "perPage",
            default=settings.EPCIS_PER_PAGE_DEFAULT,
            min_value=1,
            max_value=settings.EPCIS_PER_PAGE_MAX,
        )
    except InputRefused as exc:
        raise QueryParameterError(
            "perPage",
            _("perPage is a whole number from 1 to %(max)s.")
            % {"max": settings.EPCIS_PER_PAGE_MAX},
            "per_page",
        ) from exc
    offset = 0
    token = request.query_params.get("nextPageToken")
    if token:
        offset = _token_offset(token, params)
    end = offset + per_page
    if limit is not None:
        end = min(end, limit)
    rows = list(queryset[offset : end + 1]) if end > offset else []
    has_more = len(rows) > end - offset
    rows = rows[: end - offset]
    link = None
    if has_more:
        next_token = signing.dumps({"o": end, "p": params}, salt=_SALT, compress=True)
        query = urlencode({"perPage": per_page, "nextPageToken": next_token})
        link = f'<{request.build_absolute_uri(request.path)}?{query}>; rel="next"'
    return rows, link


def _token_offset(token: str, params) -> int:
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature as exc:
        raise QueryParameterError(
            "nextPageToken", _("This page token is invalid."), "next_page_token"
        ) from exc
    return int(data.get("o", 0))


def _token_params(request) -> dict | None:
    token = request.query_params.get("nextPageToken")
    if not token:
        return None
    try:
        return signing.loads(token, salt=_SALT).get("p")
    except signing.BadSignature as exc:
        raise QueryParameterError(
            "nextPageToken", _("This page token is invalid."), "next_page_token"
        ) from exc


def _events_response(request, params: dict, *, query_name: str = "SimpleEventQuery"):
    events, parsed = matching_events(Event.objects.visible_to(request.user), params)
    if parsed.max_count is not None and events.count() > parsed.max_count:
        raise DocumentError(
            [
                {
                    "field": "maxEventCount",
                    "rule": "query_too_large",
                    "message": _("More than %(max)s events match.") % {"max": parsed.max_count},
                }
            ],
            problem_type="QueryTooLargeException",
            status=413,
        )
    rows, link = _page(request, events, params=params, limit=parsed.count_limit)
    response = Response(
        query_document(rows, viewer=organization_of(request.user), query_name=query_name)
    )
    if link:
        response["Link"] = link
    return response


QUERY_PARAMETERS = [
    OpenApiParameter(name, str, description="EPCIS query parameter; alternatives separated by |")
    for name in (
        "eventType",
        "GE_eventTime",
        "LT_eventTime",
        "GE_recordTime",
        "LT_recordTime",
        "EQ_action",
        "EQ_bizStep",
        "EQ_disposition",
        "EQ_readPoint",
        "EQ_bizLocation",
        "MATCH_epc",
        "MATCH_parentID",
        "MATCH_inputEPC",
        "MATCH_outputEPC",
        "MATCH_anyEPC",
        "MATCH_epcClass",
        "MATCH_inputEPCClass",
        "MATCH_outputEPCClass",
        "MATCH_anyEPCClass",
        "WD_readPoint",
        "WD_bizLocation",
        "EQ_transformationID",
        "EQ_persistentDisposition_set",
        "EQ_persistentDisposition_unset",
        "EQ_quantity",
        "GT_quantity",
        "GE_quantity",
        "LT_quantity",
        "LE_quantity",
        "EQ_eventID",
        "EXISTS_errorDeclaration",
        "GE_errorDeclarationTime",
        "LT_errorDeclarationTime",
        "EQ_errorReason",
        "EQ_correctiveEventID",
        "GE_startTime",
        "LT_startTime",
        "GE_endTime",
        "LT_endTime",
        "GE_time",
        "LT_time",
        "EQ_type",
        "EQ_deviceID",
        "EQ_dataProcessingMethod",
        "EQ_microorganism",
        "EQ_chemicalSubstance",
        "EQ_bizRules",
        "EQ_stringValue",
        "EQ_hexBinaryValue",
        "EQ_uriValue",
        "EQ_booleanValue",
        "orderBy",
        "orderDirection",
        "eventCountLimit",
        "maxEventCount",
        "perPage",
        "nextPageToken",
    )
]


class EventsView(EpcisView):
    renderer_classes = QUERY_RENDERERS

    @extend_schema(
        tags=["epcis"],
        parameters=QUERY_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        operation_id="epcis_events_list",
        summary="Query events (EPCISQueryDocument, paged with perPage/nextPageToken)",
    )
    def get(self, request):
        params = _token_params(request)
        if params is None:
            params = normalise_params(request.query_params)
        return _events_response(request, params)


class EventDetailView(EpcisView):
    renderer_classes = QUERY_RENDERERS

    @extend_schema(
        tags=["epcis"],
        responses={200: OpenApiTypes.OBJECT},
        summary="One event (and its error declaration, if any)",
    )
    def get(self, request, event_id):
        events = list(Event.objects.visible_to(request.user).by_event_id(event_id).order_by("id"))
        if not events:
            raise exceptions.NotFound(_("No visible event has this ID."))
        return Response(query_document(events, viewer=organization_of(request.user)))


class QueriesView(EpcisView):
    allowed_methods_header = "OPTIONS, GET, POST"

    @extend_schema(
        tags=["epcis"],
        responses={200: _ARRAY_OF_OBJECTS},
        operation_id="epcis_queries_list",
        summary="Named queries",
    )
    def get(self, request):
        queries = NamedQuery.objects.filter(organization=organization_of(request.user)).order_by(
            "name", "id"
        )
        rows, link = _page(request, queries)
        response = Response([{"name": q.name, "query": q.query} for q in rows])
        if link:
            response["Link"] = link
        return response

    @extend_schema(
        tags=["epcis"],
        request=OpenApiTypes.OBJECT,
        responses={201: None},
        summary="Create a named query",
    )
    def post(self, request):
        data = request.data
        name = data.get("name") if isinstance(data, dict) else None
        if (
            not isinstance(name, str)
            or not name.strip()
            or len(name) > 100
            or "/" in name
            or "\x00" in name
        ):
            raise DocumentError(
                [
                    {
                        "field": "name",
                        "rule": "required",
                        "message": _("A query name (1–100 characters, no slash) is required."),
                    }
                ]
            )
        query = data.get("query", {})
        parse_query(normalise_params(query))  # refuse a query that could never run
        try:
            with transaction.atomic():
                services.named_query_create(
                    organization=organization_of(request.user),
                    user=request.user,
                    name=name,
                    query=query,
                )
        except IntegrityError as exc:
            raise DocumentError(
                [
                    {
                        "field": "name",
                        "rule": "unique",
                        "message": _("A query with this name exists."),
                    }
                ],
                problem_type="ResourceAlreadyExistsException",
                status=409,
            ) from exc
        response = Response(status=status.HTTP_201_CREATED)
        response["Location"] = f"/epcis/queries/{name}"
        return response


def _named_query(request, name: str) -> NamedQuery:
    return get_object_or_404(NamedQuery, organization=organization_of(request.user), name=name)


class QueryDetailView(EpcisView):
    allowed_methods_header = "OPTIONS, GET, DELETE"

    @extend_schema(tags=["epcis"], responses={200: OpenApiTypes.OBJECT}, summary="A named query")
    def get(self, request, name):
        query = _named_query(request, name)
        return Response({"name": query.name, "query": query.query})

    @extend_schema(
        tags=["epcis"], responses={204: None}, summary="Delete a named query and its subscriptions"
    )
    def delete(self, request, name):
        services.named_query_delete(query=_named_query(request, name))
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueryEventsView(EpcisView):
    renderer_classes = QUERY_RENDERERS

    @extend_schema(
        tags=["epcis"], responses={200: OpenApiTypes.OBJECT}, summary="Results of a named query"
    )
    def get(self, request, name):
        query = _named_query(request, name)
        params = _token_params(request) or normalise_params(query.query)
        return _events_response(request, params, query_name=query.name)


def _subscription_document(subscription: Subscription) -> dict:
    body = {
        "subscriptionID": str(subscription.pk),
        "dest": subscription.dest,
        "stream": subscription.stream,
        "createdAt": iso_utc(subscription.created_at),
        "reportIfEmpty": subscription.report_if_empty,
    }
    if subscription.initial_record_time:
        body["initialRecordTime"] = iso_utc(subscription.initial_record_time)
    if subscription.last_notified_at:
        body["lastNotifiedAt"] = iso_utc(subscription.last_notified_at)
    if subscription.schedule is not None:
        body["schedule"] = subscription.schedule
        if subscription.next_run_at:
            body["nextRunAt"] = iso_utc(subscription.next_run_at)
    return body


class SubscriptionsView(EpcisView):
    allowed_methods_header = "OPTIONS, GET, POST"

    @extend_schema(
        tags=["epcis"],
        responses={200: _ARRAY_OF_OBJECTS},
        operation_id="epcis_subscriptions_list",
        summary="Subscriptions of a query",
    )
    def get(self, request, name):
        query = _named_query(request, name)
        rows, link = _page(request, query.subscriptions.order_by("created_at", "id"))
        response = Response([_subscription_document(s) for s in rows])
        if link:
            response["Link"] = link
        return response

    @extend_schema(
        tags=["epcis"],
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
        summary="Subscribe a webhook to new events matching the query (stream or schedule)",
    )
    def post(self, request, name):
        query = _named_query(request, name)
        data = request.data if isinstance(request.data, dict) else {}
        errors = []
        dest = data.get("dest")
        if (
            not isinstance(dest, str)
            or not dest.startswith(("http://", "https://"))
            or len(dest) > 1000
        ):
            errors.append(
                {"field": "dest", "rule": "url", "message": _("dest must be an http(s) URL.")}
            )
        else:
            try:
                check_destination(dest)  # public HTTPS only, unless allow-listed (api.outbound)
            except DestinationRefused as refused:
                errors.append({"field": "dest", "rule": refused.rule, "message": refused.message})
        token = data.get("signatureToken", "")
        if not isinstance(token, str) or len(token) > 255:
            errors.append(
                {
                    "field": "signatureToken",
                    "rule": "type",
                    "message": _("signatureToken is a string of at most 255 characters."),
                }
            )
        schedule = data.get("schedule")
        if schedule is not None:
            if data.get("stream") is True:
                errors.append(
                    {
                        "field": "stream",
                        "rule": "exclusive",
                        "message": _("A subscription has a schedule or streams, not both."),
                    }
                )
            try:
                if next_run(schedule, timezone.now()) is None:
                    raise ScheduleError("schedule", _("This schedule never runs."))
            except ScheduleError as exc:
                errors.append({"field": exc.field, "rule": "schedule", "message": exc.message})
        elif data.get("stream") is not True:
            errors.append(
                {
                    "field": "stream",
                    "rule": "required",
                    "message": _(
                        "Set stream to true (new matching events are sent as they arrive) "
                        "or give a schedule."
                    ),
                }
            )
        initial = data.get("initialRecordTime")
        initial_time = parse_datetime(initial) if isinstance(initial, str) else None
        if initial is not None and (initial_time is None or initial_time.tzinfo is None):
            errors.append(
                {
                    "field": "initialRecordTime",
                    "rule": "datetime_format",
                    "message": _("An ISO 8601 date-time with its zone offset."),
                }
            )
        if errors:
            raise DocumentError(errors, problem_type="SubscriptionControlsException")
        subscription = services.subscription_create(
            query=query,
            user=request.user,
            dest=dest,
            signature_token=token,
            report_if_empty=bool(data.get("reportIfEmpty", False)),
            initial_record_time=initial_time,
            schedule=schedule,
        )
        response = Response(_subscription_document(subscription), status=status.HTTP_201_CREATED)
        response["Location"] = f"/epcis/queries/{query.name}/subscriptions/{subscription.pk}"
        return response


class SubscriptionDetailView(EpcisView):
    allowed_methods_header = "OPTIONS, GET, DELETE"

    def _get(self, request, name, subscription_id) -> Subscription:
        return get_object_or_404(
            Subscription, query=_named_query(request, name), pk=_uuid(subscription_id)
        )

    @extend_schema(tags=["epcis"], responses={200: OpenApiTypes.OBJECT}, summary="A subscription")
    def get(self, request, name, subscription_id):
        return Response(_subscription_document(self._get(request, name, subscription_id)))

    @extend_schema(tags=["epcis"], responses={204: None}, summary="Unsubscribe")
    def delete(self, request, name, subscription_id):
        self._get(request, name, subscription_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class DiscoveryView(EpcisView):
    allowed_methods_header = "OPTIONS, GET"

    @extend_schema(
        tags=["epcis"], responses={200: OpenApiTypes.OBJECT}, summary="Top-level EPCIS resources"
    )
    def get(self, request):
        return Response(
            {
                "@context": "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
                "type": "Collection",
                "member": ["capture", "events", "queries"],
            }
        )
