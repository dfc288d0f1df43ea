import pytest
from django.core.exceptions import ValidationError

from core.validators import validate_credit_code, validate_region_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "914403001922038216"])
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("9135010M000100Y43", "credit_code_length"),
        ("91350100M000100Y44", "credit_code_check_character"),
        ("91350100M000100I43", "credit_code_format"),
        ("913501OOM000100Y43", "credit_code_format"),
    ],
)
def test_bad_credit_codes_name_the_rule(code, rule):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.code == rule


@pytest.mark.parametrize("code", ["320000", "320300", "320312", "110000", "820000"])
def test_region_codes(code):
    validate_region_code(code)


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("32030", "region_code_format"),
        ("3203AB", "region_code_format"),
        ("990000", "region_code_unknown_province"),
        ("320001", "region_code_format"),
    ],
)
def test_bad_region_codes(code, rule):
    with pytest.raises(ValidationError) as info:
        validate_region_code(code)
    assert info.value.code == rule
