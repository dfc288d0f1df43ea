"""The signed chain digests for regulators, and the public key that verifies them."""

from datetime import date
from trace.core.digest import signed_file
from trace.models import ChainDigest

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions


class IsRegulator(permissions.IsRegulator):
    message = _("Only regulators may download the chain digests.")


class ChainDigestSerializer(serializers.ModelSerializer):
    """One day's signed digest: keep ``payload`` and ``signature`` exactly as given."""

    algorithm = serializers.SerializerMethodField()

    class Meta:
        model = ChainDigest
        fields = ["date", "created_at", "algorithm", "key_id", "sha256", "payload", "signature"]

    def get_algorithm(self, obj) -> str:
        return "Ed25519"


@extend_schema(tags=["chain"])
class ChainDigestListView(generics.ListAPIView):
    """Signed daily digests of every organization's event-chain head, newest first.

    Keep them outside: ``manage.py verify_event_chain --digest FILE`` later proves that no
    event at or before a head they state was changed or deleted.
    """

    permission_classes = [IsRegulator]
    serializer_class = ChainDigestSerializer
    queryset = ChainDigest.objects.order_by("-date")
    filter_backends: list = []


@extend_schema(tags=["chain"])
class ChainDigestDetailView(APIView):
    permission_classes = [IsRegulator]

    @extend_schema(
        summary="Download one day's signed digest (the file verify_event_chain --digest reads)",
        responses={
            200: ChainDigestSerializer,
            404: OpenApiResponse(description="no digest for that day"),
        },
    )
    def get(self, request, day: str):
        try:
            digest = ChainDigest.objects.filter(date=date.fromisoformat(day)).first()
        except ValueError:
            digest = None
        if digest is None:
            raise Http404
        response = Response({**ChainDigestSerializer(digest).data, **signed_file(digest)})
        response["Content-Disposition"] = (
            f'attachment; filename="suyuan-chain-digest-{digest.date}.json"'
        )
        return response
