"""Masked display of personal values: what each masker keeps, and that it never shows it all."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacy.masking import (
    MASKERS,
    mask_address,
    mask_email,
    mask_name,
    mask_phone,
    mask_text,
)

# Full-width digits (U+FF10..U+FF19), as Chinese input methods type them.
FULL_WIDTH = str.maketrans(string.digits, "".join(chr(0xFF10 + n) for n in range(10)))


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "*******5678"),
        ("+8613812345678", "+*********5678"),
        ("010-12345678", "***-****5678"),
        ("13812345678".translate(FULL_WIDTH), "*******5678".translate(FULL_WIDTH)),
        ("12345678", "****5678"),
        ("1234567", "****567"),
        ("110", "**0"),
        ("12", "*2"),
        ("1", "*"),
        ("", ""),
        ("无电话号码", "***号码"),
    ],
)
def test_phone_keeps_only_its_ends(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧***"),
        ("Li Si", "L****"),
        ("张", "*"),
        ("L", "*"),
        ("", ""),
    ],
)
def test_name_keeps_only_its_first_character(value: str, masked: str) -> None:
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("li.si@example.com", "l***@example.com"),
        ("a@example.com", "a***@example.com"),
        ("张三@例子.中国", "张***@例子.中国"),
        ("@example.com", "***@example.com"),
        ('"a@b"@example.com', '"***@example.com'),
        ("li.si", "[masked]"),
        ("", "[masked]"),
    ],
)
def test_email_keeps_the_first_character_and_the_domain(value: str, masked: str) -> None:
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("北京市朝阳区建国路88号", "北京市朝阳区***"),
        ("1 Main Street, Springfield", "1 Main***"),
        ("北京市朝阳区", "***"),
        ("上海", "***"),
        ("", "***"),
    ],
)
def test_address_keeps_only_its_first_six_characters(value: str, masked: str) -> None:
    assert mask_address(value) == masked


@pytest.mark.parametrize("value", ["客户说他会投诉到消费者协会", "call me on 13812345678", "x", ""])
def test_free_text_is_masked_whole(value: str) -> None:
    assert mask_text(value) == "[masked]"


def test_every_field_kind_has_a_masker() -> None:
    assert MASKERS["name"]("张三") == "张*"
    assert MASKERS["phone"]("13812345678") == "*******5678"
    assert MASKERS["email"]("li.si@example.com") == "l***@example.com"
    assert MASKERS["address"]("北京市朝阳区建国路88号") == "北京市朝阳区***"
    assert MASKERS["text"]("anything") == "[masked]"
    assert set(MASKERS) == {"name", "phone", "email", "address", "text"}


@pytest.mark.parametrize("kind", ["name", "phone", "email", "address", "text"])
@given(value=st.text())
def test_no_masker_raises_on_any_text(kind: str, value: str) -> None:
    assert isinstance(MASKERS[kind](value), str)


phones = st.text(
    alphabet=string.digits + string.digits.translate(FULL_WIDTH) + "+-() ", min_size=8, max_size=20
)
local_parts = st.text(
    alphabet=string.ascii_letters + string.digits + "._-张三李四", min_size=1, max_size=20
)
domains = st.from_regex(r"[a-z0-9]{1,12}\.(com|cn|org|中国)", fullmatch=True)


@given(phone=st.text(alphabet=string.digits + "+-() ", max_size=20))
def test_masked_phone_shows_at_most_four_digits_and_never_more_than_half(phone: str) -> None:
    digits = sum(character.isdecimal() for character in phone)
    shown = sum(character.isdecimal() for character in mask_phone(phone))
    assert shown <= min(4, digits // 2)
    assert len(mask_phone(phone)) == len(phone)


@given(phone=phones)
def test_masked_phone_never_contains_the_whole_number(phone: str) -> None:
    assert phone not in mask_phone(phone)


@given(local=local_parts, domain=domains)
def test_masked_email_never_contains_the_whole_address(local: str, domain: str) -> None:
    email = f"{local}@{domain}"
    if len(email) >= 8:
        assert email not in mask_email(email)
