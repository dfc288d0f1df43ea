from django.contrib.auth import get_user_model
from rest_framework import serializers

from .models import Membership, Organization


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "name_en", "credit_code", "region_code", "level", "gln"]


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "name_en", "region_code"]


class MeSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(source="membership.organization", read_only=True)
    role = serializers.CharField(source="membership.role", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "organization", "role"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "organization", "role"]
