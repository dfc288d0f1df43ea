from .permissions import IsMember, organization_of


class ScopedViewSetMixin:
    """Every list and detail read goes through ``Model.objects.visible_to(user)``.

    Putting the tenancy rule here means no endpoint can forget it.
    """

    permission_classes = [IsMember]

    def get_queryset(self):
        return self.scope(super().get_queryset())

    def scope(self, queryset):
        return queryset.visible_to(self.request.user)

    @property
    def organization(self):
        return organization_of(self.request.user)
