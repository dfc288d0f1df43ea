"""Personas the recall tests add to the shared ones: SAMR, the national regulator that orders a
recall once the notice to recall stands (SAMR Order 19 Art. 14)."""

import pytest

from core.choices import RegulatorLevel
from tests.conftest import Persona
from tests.factories import RegulatorFactory, UserFactory


@pytest.fixture
def samr(db):
    """国家市场监督管理总局: the national regulator (every place is in its jurisdiction)."""
    return Persona(
        UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.NATIONAL, region_code="110000")
        )
    )
