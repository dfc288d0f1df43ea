"""factory-boy factories shared by every test module."""

from decimal import Decimal
from itertools import count
from trace.models import Product, Site

import factory
from biip.checksums import gs1_standard_check_digit
from django.contrib.auth import get_user_model

from core.choices import OrganizationKind, RegulatorLevel, Role
from core.models import Membership, Organization
from core.validators import credit_code_check_character

_serial = count(1)


def make_credit_code(region: str = "320312") -> str:
    body = f"91{region}MA{next(_serial):07d}"
    return body + credit_code_check_character(body)


def make_gtin13() -> str:
    body = f"69{next(_serial):010d}"
    return body + str(gs1_standard_check_digit(body))


def make_gln() -> str:
    return make_gtin13()


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试企业{n}")
    region_code = "320312"
    credit_code = factory.LazyAttribute(lambda o: make_credit_code(o.region_code))
    gln = factory.LazyFunction(make_gln)


class RegulatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.REGULATOR
    name = factory.Sequence(lambda n: f"市场监督管理局{n}")
    level = RegulatorLevel.CITY
    region_code = "320300"
    credit_code = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-2026")

    @factory.post_generation
    def organization(self, create, extracted, **kwargs):
        if extracted is not None:
            Membership.objects.create(
                user=self, organization=extracted, role=kwargs.get("role", Role.OPERATOR)
            )
        self.save()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    owner = factory.SubFactory(EnterpriseFactory)
    gtin = factory.LazyFunction(lambda: "0" + make_gtin13())
    name = factory.Sequence(lambda n: f"产品{n}")
    category = "food"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    owner = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"工厂{n}")
    address = "江苏省徐州市"
    region_code = factory.LazyAttribute(lambda o: o.owner.region_code)


def produce(user, product, lot="L1", quantity=Decimal(100), unit="EA", **kwargs):
    from trace.core.services import batch_produce

    return batch_produce(
        product=product, lot=lot, quantity=quantity, unit=unit, actor=user, **kwargs
    )


def owner_of(batch):
    """A user of the enterprise that registered the lot's product."""
    return (
        get_user_model()
        .objects.filter(membership__organization=batch.product.owner)
        .order_by("id")
        .first()
    )


def recall(batch, reason="召回测试"):
    """Recall a lot the only way there is: its owner records the recall event."""
    from trace.core.services import batch_recall

    return batch_recall(batch=batch, reason=reason, actor=owner_of(batch))


def hold(batch, reason="暂停销售测试"):
    from trace.core.services import batch_hold

    return batch_hold(batch=batch, reason=reason, actor=owner_of(batch))
