"""文字与电话: one check for typed text and one phone rule (mobile numbers and landlines with area code)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pm.errors import DomainError
from pm.services.text import check_phone, check_text, is_mobile, normalise_phone


# -- check_text ---------------------------------------------------------------------------------------------
def test_text_is_stripped():
    """Surrounding spaces are removed; inner line breaks and tabs stay."""
    assert check_text("  屋面\n防水\t ", field="title", label="标题", max_len=20) == "屋面\n防水"


def test_required_blank_is_refused_with_the_label():
    """A blank required field names what is missing, on its field."""
    with pytest.raises(DomainError) as err:
        check_text("   ", field="title", label="标题", max_len=20)
    assert err.value.fields == {"title": ["请填写标题"]}


def test_optional_blank_is_none():
    """A blank optional field (or None) is None."""
    assert check_text("  ", field="contractor", label="施工单位", max_len=20, required=False) is None
    assert check_text(None, field="contractor", label="施工单位", max_len=20, required=False) is None


def test_too_long_is_refused():
    """Longer than max_len characters (after stripping) is refused; exactly max_len is fine."""
    assert check_text(" " + "字" * 5 + " ", field="t", label="标题", max_len=5) == "字" * 5
    with pytest.raises(DomainError, match="标题不能超过 5 个字"):
        check_text("字" * 6, field="t", label="标题", max_len=5)


def test_min_len():
    """Shorter than min_len is refused with the minimum in the message, blank or not."""
    with pytest.raises(DomainError, match="请填写问题描述（至少 5 个字）"):
        check_text("灯坏了", field="description", label="问题描述", max_len=200, min_len=5)
    with pytest.raises(DomainError, match="至少 5 个字"):
        check_text("", field="description", label="问题描述", max_len=200, min_len=5, required=False)
    assert check_text("楼道灯不亮", field="description", label="问题描述", max_len=200, min_len=5) == "楼道灯不亮"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "\x08"])
def test_control_characters_are_refused(bad):
    """NUL, ESC, DEL and C1 controls are refused (they break exports and terminals)."""
    with pytest.raises(DomainError, match="不能包含控制字符"):
        check_text(bad, field="t", label="标题", max_len=20)


@pytest.mark.parametrize("value", [5, 1.5, b"bytes", ["x"]])
def test_non_text_is_refused(value):
    """A number, bytes or a list is not text."""
    with pytest.raises(DomainError, match="标题必须是文字"):
        check_text(value, field="t", label="标题", max_len=20)


@given(st.text(max_size=30))
def test_accepted_text_is_within_limits(value):
    """Whatever is accepted is stripped, non-blank, at most max_len long and free of refused controls."""
    try:
        out = check_text(value, field="t", label="标题", max_len=20)
    except DomainError:
        return
    assert out == out.strip() and 0 < len(out) <= 20
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in out)


# -- phones -------------------------------------------------------------------------------------------------
# Every valid phone of the existing tests, the factories and the demo county (mobile and landline).
EXISTING_VALID = ["13900000001", "138 0000 1111", "13912345678", "13700000001", "13800000006", "13600000007",
                  "13900001111", "13911112222", "13900000000", "13900000042", "19912345678", "0516-81234567"]


@pytest.mark.parametrize("raw", EXISTING_VALID)
def test_every_existing_valid_phone_passes(raw):
    """The phones that existing tests, factories and the demo data use are all accepted."""
    assert normalise_phone(raw) is not None


@pytest.mark.parametrize("raw, phone", [
    ("138 0000 1111", "13800001111"), ("138-0000-1111", "13800001111"), ("+86 138 0000 1111", "13800001111"),
    ("+8613800001111", "13800001111"), ("008613800001111", "13800001111"), ("8613800001111", "13800001111"),
    ("０１３８００００１１１１"[1:], "13800001111"), (13800001111, "13800001111"),
    ("0532-12345678", "053212345678"), ("(0532) 1234 5678", "053212345678"), ("010-12345678", "01012345678"),
    ("+86 532 1234 5678", "053212345678"), ("+86 10 1234 5678", "01012345678"), ("0516-8123456", "05168123456"),
])
def test_normalised_to_digits(raw, phone):
    """Spaces, hyphens, brackets, full-width digits and +86/0086 are dropped; the digits remain."""
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_blank_phone_is_none(raw):
    """No phone is None, not an error (a phone is optional unless the caller says otherwise)."""
    assert normalise_phone(raw) is None


@pytest.mark.parametrize("raw", ["12", "12ab", "12345", "12345678", "1380000111", "138000011112", "12800001111",
                                 "abc13900000001", "139 0000 0001 x", "+1 2025550123", "0532-1234", "+86 12345",
                                 "0532-12345678-123", "13800001111+", "٣٨٠٠٠٠١١١١١", True, 1.5])
def test_bad_phones_are_refused(raw):
    """Local numbers without area code, wrong lengths, letters, foreign numbers and other scripts are refused."""
    with pytest.raises(DomainError, match="手机号/电话号码格式不正确"):
        normalise_phone(raw)


def test_is_mobile():
    """Only an 11-digit 13x–19x number is a mobile number."""
    assert is_mobile("13800001111") and not is_mobile("053212345678") and not is_mobile(None)


def test_check_phone_uses_the_callers_field_and_required():
    """check_phone reports on the caller's field; required refuses a blank."""
    assert check_phone("+86 138 0000 1111", field="filer_phone") == "13800001111"
    assert check_phone("", field="filer_phone") is None
    with pytest.raises(DomainError) as err:
        check_phone("", field="filer_phone", required=True)
    assert list(err.value.fields) == ["filer_phone"]
    with pytest.raises(DomainError) as err:
        check_phone("12", field="owners.0.phone")
    assert list(err.value.fields) == ["owners.0.phone"]


def test_check_phone_mobile_only_refuses_landlines():
    """The public repair page asks for a mobile number: a landline is refused there, with its own message."""
    assert check_phone("138-0000-1111", mobile_only=True, required=True) == "13800001111"
    with pytest.raises(DomainError, match="请填写 11 位手机号码"):
        check_phone("0532-12345678", mobile_only=True)
    with pytest.raises(DomainError, match="请填写 11 位手机号码"):
        check_phone("", mobile_only=True, required=True)


@given(st.sampled_from("3456789"), st.integers(min_value=0, max_value=10**9 - 1), st.sampled_from(["", "+86 ", "0086"]),
       st.sampled_from(["", " ", "-"]))
def test_any_written_mobile_normalises_to_its_eleven_digits(second, rest, prefix, sep):
    """A mobile number written with any prefix and separators normalises to the same 11 digits."""
    digits = f"1{second}{rest:09d}"
    written = prefix + sep.join([digits[:3], digits[3:7], digits[7:]])
    assert normalise_phone(written) == digits and is_mobile(normalise_phone(written))


@given(st.text(alphabet="0123456789 -+()", max_size=20))
def test_normalised_phone_is_always_a_valid_digit_string(raw):
    """Whatever is accepted comes out as digits only, a mobile or a landline with area code."""
    try:
        phone = normalise_phone(raw)
    except DomainError:
        return
    assert phone is None or (phone.isdigit() and (is_mobile(phone) or (phone[0] == "0" and 10 <= len(phone) <= 12)))
