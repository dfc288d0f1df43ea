from django.db.models import Q
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from .exceptions import PROBLEM_BASE, PROBLEM_CONTENT_TYPE
from .models import Organization
from .permissions import IsMember, organization_of
from .serializers import MeSerializer, OrganizationSerializer


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token: send it as ``Authorization: Token <token>``."""

    permission_classes = [AllowAny]


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer
    permission_classes = [IsMember]

    def get_object(self):
        return self.request.user


class OrganizationFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search")
    kind = filters.CharFilter()
    region_code = filters.CharFilter(lookup_expr="startswith")

    class Meta:
        model = Organization
        fields = ["kind", "level"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(credit_code=value))


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


def not_found(request, exception=None):
    """The site's 404: problem+json under /api/ and /epcis/ (what their schema documents),
    Django's page elsewhere (the consumer pages answer their own friendly 404)."""
    if request.path.startswith(("/api/", "/epcis/")):
        return JsonResponse(
            {"type": PROBLEM_BASE + "not-found", "title": _("Not found"), "status": 404,
             "detail": _("No such resource.")},
            status=404, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
    return page_not_found(request, exception)


__all__ = ["TokenView", "MeView", "OrganizationViewSet", "organization_of"]
