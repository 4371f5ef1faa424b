"""显示名称: one registry labels every enum member of pm.models and the coded string vocabularies."""
from __future__ import annotations

import enum

import pytest
import sqlalchemy as sa
from flask_babel.speaklater import LazyString

import pm.models
from pm.services.fund.access import APPROVER_ROLES
from pm.extensions import db
from pm.models import EntryKind, Holder, OrderStatus, RepairCategory, RepairStatus, Role, Shift, VoteChoice
from pm.services.labels import LABELS, choices, label, label_of, register_vocabulary, vocabularies, vocabulary_choices


def _model_enums() -> set[type[enum.Enum]]:
    """Every StrEnum pm.models exports, and every enum class a mapped column stores."""
    found = {obj for obj in vars(pm.models).values() if isinstance(obj, type) and issubclass(obj, enum.StrEnum)}
    for mapper in db.Model.registry.mappers:
        for column in mapper.columns:
            if isinstance(column.type, sa.Enum) and column.type.enum_class is not None:
                found.add(column.type.enum_class)
    return found


def test_the_scan_finds_the_enums():
    """The scan sees both exported enums and column enums (so the completeness test below can fail)."""
    enums = _model_enums()
    assert {Role, RepairStatus, OrderStatus, EntryKind, Holder} <= enums and len(enums) >= 27


@pytest.mark.parametrize("member", [m for cls in sorted(_model_enums(), key=lambda c: c.__name__) for m in cls],
                         ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_every_model_enum_member_has_a_label(member):
    """Every member of every StrEnum in pm.models has a registered label (add one with every new member)."""
    assert member in LABELS, f"no label for {type(member).__name__}.{member.name}: add it to pm/services/labels.py"


def test_labels_are_translatable():
    """Every label is a lazy gettext string (translated when shown), with Chinese text as its msgid."""
    for member in LABELS:
        text = LABELS[member]
        assert isinstance(text, LazyString) and str(text).strip(), member


def test_labels_within_an_enum_are_distinct():
    """No two members of one enum share a label (a select would show two identical options)."""
    for cls in _model_enums():
        texts = [label(m) for m in cls]
        assert len(texts) == len(set(texts)), cls.__name__


def test_equal_strenum_values_keep_their_own_labels():
    """RepairStatus.CLOSED == OrderStatus.CLOSED as strings, yet each has its own label."""
    assert RepairStatus.CLOSED == OrderStatus.CLOSED
    assert {RepairStatus.CLOSED: 1, OrderStatus.CLOSED: 2} == {"closed": 2}  # one key: a plain dict mixes them
    assert label(RepairStatus.CLOSED) == "已关闭" and label(OrderStatus.CLOSED) == "已闭合"
    assert LABELS[RepairCategory.OTHER] != LABELS[pm.models.Relation.OTHER]


def test_plain_strings_are_not_keys():
    """A plain string is not looked up by accident (it would be ambiguous); with its enum class it is."""
    assert "closed" not in LABELS
    assert label("closed") == "closed"
    assert label("closed", RepairStatus) == "已关闭" and label("closed", OrderStatus) == "已闭合"
    assert label("no-such-value", RepairStatus) == "no-such-value"


def test_label_of_none_is_empty():
    """Nothing to label shows nothing."""
    assert label(None) == "" and label_of("fund_approver", None) == ""


def test_choices_in_enum_order():
    """choices() gives (value, label) pairs in the enum's order, as plain strings or lazily."""
    assert choices(Shift) == [("morning", "早班"), ("midday", "中班"), ("evening", "晚班"), ("full_day", "全天")]
    lazy = choices(VoteChoice, lazy=True)
    assert [v for v, _ in lazy] == ["yes", "no", "abstain"] and all(isinstance(t, LazyString) for _, t in lazy)


def test_vocabularies_label_string_codes():
    """Coded strings stored in the database (the approver, emergency reasons, timeline steps) have labels."""
    assert label_of("fund_approver", "housing_department") == "县住房城乡建设主管部门"
    assert label_of("emergency_reason", "drains") == "排水设施坍塌、堵塞、爆裂"
    assert label_of("repair_event", "auto_closed") == "自动关闭"
    assert label_of("returns_key", "area") == "按面积"
    assert label_of("emergency_reason", "county_own_code") == "county_own_code"


def test_vocabulary_choices_and_names():
    """A vocabulary lists its (code, label) pairs in order; its name must be registered."""
    assert vocabulary_choices("plan_scope") == [("whole", "整个小区"), ("listed", "所选楼栋、单元或住户")]
    assert {"fund_approver", "emergency_reason", "plan_transition", "repair_event"} <= set(vocabularies())
    with pytest.raises(KeyError):
        label_of("no_such_vocabulary", "x")


def test_every_vocabulary_label_is_translatable():
    """Vocabulary labels are lazy gettext strings too."""
    for name in vocabularies():
        for _code, text in vocabulary_choices(name, lazy=True):
            assert isinstance(text, LazyString)


def test_register_vocabulary_once():
    """A domain may add its own vocabulary, but not replace an existing one."""
    with pytest.raises(ValueError):
        register_vocabulary("fund_approver", {"x": "y"})


def test_every_configurable_approver_has_a_label():
    """Every approver the access rules know has a label."""
    assert set(APPROVER_ROLES) == {code for code, _ in vocabulary_choices("fund_approver")}


def test_holder_and_kind_labels_chosen():
    """Where the old dicts disagreed, the statements' wording won (see notes/shared.md)."""
    assert label(Holder.WORK_UNIT) == "售房单位交存部分" and label(EntryKind.CHARGE) == "维修分摊列支"
    assert label(RepairStatus.COMPLETED) == "已完工，待确认"
