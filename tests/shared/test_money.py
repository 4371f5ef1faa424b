"""金额: the one exact yuan parser, the one formatter, half-up rounding and xlsx cells."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pm.errors import DomainError
from pm.services.money import MAX_FEN, fen_to_decimal, format_fen, half_up_fen, parse_yuan

# Every valid input of the tests of pm.services.funds.parse_yuan and pm.services.fund_plans.parse_yuan.
ACCEPTED = [
    ("12.3", 1230), ("12", 1200), ("0.01", 1), ("1,234.50", 123450), (" 7.05 ", 705),
    ("12,345.6", 1_234_560), ("¥0.01", 1), ("800元", 80_000), ("12,345.60", 1_234_560), ("1234.5", 123_450),
    ("1.00", 100), ("10", 1000),
]
# Every invalid input of those tests, and the web forms' bad amounts.
REFUSED = ["12.345", "0", "0.00", "-5", "abc", "", "1e3", "12.", None, True, "1.234", 1.5, "-1", "  "]


@pytest.mark.parametrize("text, fen", ACCEPTED)
def test_parse_accepts_what_both_legacy_parsers_accepted(text, fen):
    """Yuan typed as text (separators, ¥ prefix, 元 suffix) is parsed exactly to fen."""
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("value", REFUSED)
def test_parse_refuses_what_the_legacy_parsers_refused(value):
    """Fractional fen, zero, negatives, exponents, floats, bools, blanks and words are refused."""
    with pytest.raises(DomainError):
        parse_yuan(value)


@pytest.mark.parametrize("text", ["1,2,3", "12,34.5", "1234,567", ".5", "+5", "5-", "1 234", "NaN", "Infinity",
                                  "٣", "¥¥5", "5元元", "0x10"])
def test_parse_refuses_misplaced_separators_and_other_scripts(text):
    """Thousands separators only in their places; ASCII (or full-width) digits only; one ¥ and one 元."""
    with pytest.raises(DomainError):
        parse_yuan(text)


def test_parse_folds_full_width_input():
    """Full-width digits, separators and ￥ (a Chinese keyboard in full-width mode) are read as ASCII."""
    assert parse_yuan("￥１，２３４．５０元") == 123_450


@pytest.mark.parametrize("value, fen", [(12, 1200), (Decimal("3.5"), 350), (Decimal("12.300"), 1230),
                                        (Decimal("1E+3"), 100_000)])
def test_parse_takes_int_and_exact_decimal(value, fen):
    """An int is whole yuan; a Decimal is exact yuan (trailing zeros do not count as decimals)."""
    assert parse_yuan(value) == fen


@pytest.mark.parametrize("value", [Decimal("1.001"), Decimal("-2"), Decimal("0"), Decimal("NaN"), -3, 0])
def test_parse_refuses_bad_int_and_decimal(value):
    """A Decimal with fractional fen, and zero or negative numbers, are refused."""
    with pytest.raises(DomainError):
        parse_yuan(value)


def test_parse_error_names_the_field():
    """The DomainError carries the caller's field name (forms and the API show it there)."""
    with pytest.raises(DomainError) as err:
        parse_yuan("abc", field="budget")
    assert list(err.value.fields) == ["budget"]


@pytest.mark.parametrize("text, message", [
    ("", "请填写金额（元）"), ("12.345", "金额最多两位小数（精确到分）"), ("0", "金额必须大于 0"),
    ("-3", "金额必须大于 0"), ("abc", "金额格式不正确，应为正数（元），最多两位小数"), ("1" * 20, "金额过大"),
])
def test_parse_messages(text, message):
    """Each refusal says what is wrong, in Chinese (a msgid already in the catalogue)."""
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_yuan(text)


def test_max_fen_is_the_callers_ceiling():
    """Above max_fen is refused; at max_fen is accepted (plans pass their 100 亿元 ceiling)."""
    assert parse_yuan("10000000000", max_fen=10**12) == 10**12
    with pytest.raises(DomainError, match="金额过大"):
        parse_yuan("10000000000.01", max_fen=10**12)
    with pytest.raises(DomainError, match="金额过大"):
        parse_yuan(str(MAX_FEN // 100 + 1))


@pytest.mark.parametrize("fen, grouped, text", [
    (123450, True, "1,234.50"), (123450, False, "1234.50"), (-5, True, "-0.05"), (0, True, "0.00"),
    (100_000_000, True, "1,000,000.00"), (-123456, True, "-1,234.56"), (7, False, "0.07"),
])
def test_format_fen(fen, grouped, text):
    """Fen are shown as yuan with two decimals, grouped by thousands unless asked not to."""
    assert format_fen(fen, grouped=grouped) == text


def test_format_none_is_empty_and_whole_decimal_is_accepted():
    """None shows nothing; a whole Decimal (a PostgreSQL SUM) formats like the int."""
    assert format_fen(None) == ""
    assert format_fen(Decimal(123450)) == "1,234.50"


@pytest.mark.parametrize("value", [1.5, Decimal("1.5"), "100", True])
def test_format_refuses_non_whole_fen(value):
    """A float, a fractional Decimal, a string or a bool is a programming error, not a number of fen."""
    with pytest.raises(TypeError):
        format_fen(value)


@given(st.integers(min_value=1, max_value=MAX_FEN), st.booleans())
def test_format_then_parse_round_trips(fen, grouped):
    """Whatever is shown can be typed back and gives the same fen."""
    assert parse_yuan(format_fen(fen, grouped=grouped)) == fen


@given(st.integers(min_value=0, max_value=10**8), st.integers(min_value=0, max_value=99))
def test_parse_then_format_is_canonical(whole, cents):
    """Typed yuan with two decimals come back formatted exactly as typed (without grouping)."""
    text = f"{whole}.{cents:02d}"
    if whole == 0 and cents == 0:
        return
    assert format_fen(parse_yuan(text), grouped=False) == text


@pytest.mark.parametrize("value, fen", [
    (Decimal("196.65"), 197), (Decimal("196.5"), 197), (Decimal("196.49"), 196), (Fraction(1, 2), 1),
    (Fraction(3, 2), 2), (Fraction(1, 3), 0), (Fraction(-1, 2), -1), (Decimal("-0.5"), -1), (7, 7),
])
def test_half_up(value, fen):
    """Exact amounts round half away from zero, the same for Decimal and Fraction."""
    assert half_up_fen(value) == fen


@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False))
def test_half_up_fraction_agrees_with_decimal(value):
    """A Fraction rounds like the same value as a Decimal, and never moves by more than half a fen."""
    rounded = half_up_fen(Fraction(value))
    assert rounded == half_up_fen(value)
    assert abs(rounded - Fraction(value)) <= Fraction(1, 2)


def test_half_up_refuses_float():
    """A float is never rounded to money."""
    with pytest.raises(TypeError):
        half_up_fen(0.5)


def test_fen_to_decimal_is_exact_yuan():
    """A spreadsheet cell gets exact yuan: 123450 fen → Decimal("1234.50"), None stays empty."""
    assert fen_to_decimal(123450) == Decimal("1234.50") and str(fen_to_decimal(123450)) == "1234.50"
    assert str(fen_to_decimal(-5)) == "-0.05"
    assert fen_to_decimal(None) is None
