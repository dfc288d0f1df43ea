import json

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import generics, serializers, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core import policy, rulebook
from core.models import Organization

from .exceptions import PROBLEM_BASE, PROBLEM_CONTENT_TYPE
from .parsing import RegionPrefixFilter, StrictFilterSet
from .permissions import IsMember, organization_of
from .serializers import (
    AlertChannelSerializer,
    MeSerializer,
    OrganizationSerializer,
    RulesAnswerSerializer,
    RulesQuerySerializer,
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


_TOKEN_ANSWER = inline_serializer(
    "TokenAnswer",
    {
        "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`."),
        "expiry": serializers.DateTimeField(help_text="When the token stops working."),
    },
)


class TokenView(APIView):
    """Exchange username and password for an API token: send it as ``Authorization: Token <token>``.

    Tokens are stored hashed (django-rest-knox), expire after ``API_TOKEN_TTL_HOURS`` and can be
    revoked (``auth/logout/``, ``auth/logout-all/``). Repeated failures lock the username out
    from that address for a while (django-axes): 429.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: _TOKEN_ANSWER,
            400: OpenApiResponse(description="Wrong credentials"),
            429: OpenApiResponse(description="Locked out after repeated failures"),
        },
        summary="Obtain an API token",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request, so the lockout (django-axes) sees and answers this attempt.
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        serializers.ErrorDetail(
                            _("Unable to log in with provided credentials."), code="authorization"
                        )
                    ]
                }
            )
        instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token, "expiry": instance.expiry})


class LogoutView(APIView):
    """Revoke the token this request is signed with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke this API token")
    def post(self, request):
        if not isinstance(request.auth, AuthToken):
            raise AuthenticationFailed(_("Sign in with an API token to revoke it."))
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every API token of the signed-in user (a lost laptop, a leaked script)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke all my API tokens")
    def post(self, request):
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets (django-axes): 429 problem+json on the API, a page elsewhere."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    detail = _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
    headers = {"Retry-After": str(minutes * 60)}
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        body = {
            "type": PROBLEM_BASE + "locked-out",
            "title": _("Too many requests"),
            "status": 429,
            "detail": detail,
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=429,
            content_type=PROBLEM_CONTENT_TYPE,
            headers=headers,
        )
    else:
        response = HttpResponse(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(_("Too many requests"))}'
            f"</title></head><body><h1>{escape(_('Too many requests'))}</h1><p>{escape(detail)}</p>"
            "</body></html>",
            status=429,
            content_type="text/html; charset=utf-8",
            headers=headers,
        )
    return response


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer
    permission_classes = [IsMember]

    def get_object(self):
        return self.request.user


class OrganizationFilterSet(StrictFilterSet):
    q = filters.CharFilter(method="search")
    kind = filters.CharFilter()
    region_code = RegionPrefixFilter()

    class Meta:
        model = Organization
        fields = ["kind", "level"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(name_en__icontains=value) | Q(credit_code=value)
        )


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """The directory of organizations: who you can ship to, who regulates whom.

    Names, codes and regions are public registry facts, so every member sees
    the whole directory; nothing here is confidential.
    """

    queryset = Organization.objects.order_by("id")
    serializer_class = OrganizationSerializer
    permission_classes = [IsMember]
    filterset_class = OrganizationFilterSet

    @extend_schema(summary="The directory of organizations")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema(
    tags=["public"],
    auth=[],
    parameters=[RulesQuerySerializer],
    responses={200: RulesAnswerSerializer},
    summary="The rules in force on a day: figures, units, citations, how sure",
)
class RulesView(APIView):
    """Every grade threshold and deadline the workflows apply on a day, each with the
    instrument and article it comes from (in the request's language), whether that text was
    verified, and the days it is in force (``core.rulebook``; docs/RULES.md lists them all).
    Public: the law is no secret."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    def get(self, request):
        query = RulesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("on") or rulebook.today()
        rules = rulebook.rules_in_force(day)
        return Response(RulesAnswerSerializer({"on": day, "rules": rules}).data)


def not_found(request, exception=None):
    """The site's 404: problem+json under /api/ and /epcis/ (what their schema documents),
    Django's page elsewhere (the consumer pages answer their own friendly 404)."""
    if request.path.startswith(("/api/", "/epcis/")):
        return JsonResponse(
            {
                "type": PROBLEM_BASE + "not-found",
                "title": _("Not found"),
                "status": 404,
                "detail": _("No such resource."),
            },
            status=404,
            content_type=PROBLEM_CONTENT_TYPE,
            json_dumps_params={"ensure_ascii": False},
        )
    return page_not_found(request, exception)


__all__ = [
    "TokenView",
    "LogoutView",
    "LogoutAllView",
    "MeView",
    "OrganizationViewSet",
    "RulesView",
    "lockout_response",
    "not_found",
    "organization_of",
]


@extend_schema(tags=["alerts"])
class AlertChannelViewSet(viewsets.ModelViewSet):
    """The organization's group-chat robots (WeCom, DingTalk, Feishu) and SMS lists: its
    notifications (escalations, recall notices, reminders, risk signals) go out on each active
    one beside e-mail and webhooks. Its administrators manage them; the URL and secret are
    credentials, written and never read back."""

    serializer_class = AlertChannelSerializer
    permission_classes = [IsMember]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        policy.require(request.user, "manage")

    def get_queryset(self):
        return policy.visible_to(self.request.user).order_by("id")

    def perform_create(self, serializer):
        serializer.save(organization=organization_of(self.request.user))
