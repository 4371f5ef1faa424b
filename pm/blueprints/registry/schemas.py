"""台账 API schemas: what the registry REST API reads (…In, …Args) and writes (…Out)."""
# Areas are decimal strings ("65.50"); dates are ISO; enums are their values. Input schemas refuse
# unknown fields (BaseSchema) and check lengths against the columns, so bad input is a 422, never a 500.
from __future__ import annotations

from flask_babel import gettext
from marshmallow import ValidationError, fields, validate, validates_schema

from pm.blueprints.apiutil import (
    Area,
    BaseSchema,
    PageArgs,
    api_scope,
    day,
    id_field,
    page_schema,
    text,
)
from pm.errors import DomainError
from pm.models import (
    HouseholdStatus,
    ManagementMode,
    OwnershipEnd,
    Relation,
    RenovationClass,
)
from pm.services.registry import people
from pm.services.text import check_phone


def _phone(value: str) -> None:
    try:
        check_phone(value)
    except DomainError as err:
        raise ValidationError(err.message) from None


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(gettext("此项不能为空"))


def required_text(max_length: int, **kwargs) -> fields.String:
    """A required, non-blank string of at most max_length characters."""
    return text(max_length, required=True, validate=_not_blank, **kwargs)


def area_out(**kwargs) -> fields.Decimal:
    """An area in the output: a string with exactly two decimals, documented as such."""
    metadata = {"type": "string", "format": "decimal", "example": "65.50"}
    return fields.Decimal(as_string=True, places=2, metadata=metadata, **kwargs)


# -- output ---------------------------------------------------------------------------------------
class StreetOut(BaseSchema):
    """街道办事处."""

    id = fields.Integer()
    county_id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True)


class CommunityOut(BaseSchema):
    """社区."""

    id = fields.Integer()
    street_id = fields.Integer()
    street_name = fields.String(attribute="street.name")
    name = fields.String()
    phone = fields.String(allow_none=True)


class RenovationItemOut(BaseSchema):
    """改造内容 and its completion."""

    id = fields.Integer()
    name = fields.String()
    is_completed = fields.Boolean()
    completed_on = fields.Date(allow_none=True)
    warranty_until = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)


class CompoundOut(BaseSchema):
    """小区 as listed."""

    id = fields.Integer()
    community_id = fields.Integer()
    community_name = fields.String(attribute="community.name")
    street_id = fields.Integer(attribute="community.street_id")
    name = fields.String()
    address = fields.String(allow_none=True)
    year_built = fields.Integer(allow_none=True)
    household_count = fields.Integer(allow_none=True)
    resident_count = fields.Integer(allow_none=True)
    floor_area_m2 = area_out(allow_none=True)
    renovation_class = fields.Enum(RenovationClass, by_value=True, allow_none=True)
    renovation_year = fields.Integer(allow_none=True)
    management_mode = fields.Enum(ManagementMode, by_value=True)
    property_company = fields.String(allow_none=True)
    service_grade = fields.Integer()
    owners_committee_formed_on = fields.Date(allow_none=True)
    has_owners_committee = fields.Boolean()


class CompoundDetailOut(CompoundOut):
    """小区 with its renovation items."""

    renovation_items = fields.List(fields.Nested(RenovationItemOut))


class UnitOut(BaseSchema):
    """单元."""

    id = fields.Integer()
    building_id = fields.Integer()
    compound_id = fields.Integer()
    name = fields.String()


class UnitBrief(BaseSchema):
    """单元 inside a building."""

    id = fields.Integer()
    name = fields.String()


class BuildingOut(BaseSchema):
    """楼栋 with the units the user may see."""

    id = fields.Integer()
    compound_id = fields.Integer()
    name = fields.String()
    floors = fields.Integer(allow_none=True)
    has_elevator = fields.Boolean()
    year_built = fields.Integer(allow_none=True)
    units = fields.List(fields.Nested(UnitBrief), attribute="visible_units")


class PersonOut(BaseSchema):
    """A person (owner or resident)."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.Function(lambda p: people.shown_phone(api_scope(), p), allow_none=True,
                            metadata={"type": "string", "description": "null for a resident who is not this person"})
    is_organisation = fields.Boolean()


class OwnershipOut(BaseSchema):
    """产权: who owns the household from when until when."""

    id = fields.Integer()
    person = fields.Nested(PersonOut)
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.Enum(OwnershipEnd, by_value=True, allow_none=True)
    is_current = fields.Boolean()


class ResidencyOut(BaseSchema):
    """住户: a family member or tenant living in the household."""

    id = fields.Integer()
    household_id = fields.Integer()
    person = fields.Nested(PersonOut)
    relation = fields.Enum(Relation, by_value=True)
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    is_current = fields.Function(lambda r: r.ended_on is None, metadata={"type": "boolean"})


class HouseholdOut(BaseSchema):
    """户 with its place in the tree and its current owners."""

    id = fields.Integer()
    compound_id = fields.Integer()
    compound_name = fields.String(attribute="compound.name")
    building_id = fields.Integer()
    building_name = fields.String(attribute="building.name")
    unit_id = fields.Integer()
    unit_name = fields.String(attribute="unit.name")
    room_no = fields.String()
    label = fields.String()
    floor = fields.Integer()
    area_m2 = area_out()
    is_sold_public_housing = fields.Boolean()
    status = fields.Enum(HouseholdStatus, by_value=True)
    note = fields.String(allow_none=True)
    owners = fields.List(fields.Nested(PersonOut), attribute="current_owner_persons")


class HouseholdDetailOut(HouseholdOut):
    """户 with its current residents too."""

    residents = fields.List(fields.Nested(ResidencyOut), attribute="current_residencies")


class OwnersOut(BaseSchema):
    """The owners of a household: current ones and the history of past ones."""

    household_id = fields.Integer()
    current = fields.List(fields.Nested(OwnershipOut))
    history = fields.List(fields.Nested(OwnershipOut))


class ResidentsOut(BaseSchema):
    """The residents of a household: those living there now and those who moved out."""

    household_id = fields.Integer()
    current = fields.List(fields.Nested(ResidencyOut))
    history = fields.List(fields.Nested(ResidencyOut))


class StationCompoundOut(BaseSchema):
    """A compound served by a station."""

    id = fields.Integer()
    name = fields.String()


class StationOut(BaseSchema):
    """物业服务站 and the compounds it serves (those the user may see)."""

    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    operator = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    compounds = fields.List(fields.Nested(StationCompoundOut), attribute="visible_compounds")


StreetPage = page_schema(StreetOut, "StreetPage")
CommunityPage = page_schema(CommunityOut, "CommunityPage")
CompoundPage = page_schema(CompoundOut, "CompoundPage")
BuildingPage = page_schema(BuildingOut, "BuildingPage")
HouseholdPage = page_schema(HouseholdOut, "HouseholdPage")
StationPage = page_schema(StationOut, "StationPage")


# -- query arguments ------------------------------------------------------------------------------
class CommunityArgs(PageArgs):
    """Filter communities by street."""

    street_id = id_field(strict=False)


class CompoundArgs(PageArgs):
    """Filter compounds by street, community, management mode, or name/address text."""

    street_id = id_field(strict=False)
    community_id = id_field(strict=False)
    management_mode = fields.Enum(ManagementMode, by_value=True)
    q = text(80, metadata={"description": "小区名称或地址包含的文字"})


class HouseholdArgs(PageArgs):
    """Search households by compound, building, room, or an owner's name or phone (q)."""

    compound_id = id_field(strict=False)
    building = text(40, metadata={"description": "楼栋名称包含的文字"})
    room = text(20, metadata={"description": "房号包含的文字"})
    q = text(64, metadata={"description": "业主姓名或电话、房号、小区名称"})


class StationArgs(PageArgs):
    """Filter stations by community."""

    community_id = id_field(strict=False)


# -- input ----------------------------------------------------------------------------------------
class CompoundFields(BaseSchema):
    """Editable fields of a compound; every one optional (PATCH)."""

    name = text(80, validate=_not_blank)
    address = text(200, allow_none=True)
    year_built = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1900, max=2100))
    household_count = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    resident_count = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    floor_area_m2 = Area(allow_none=True)
    renovation_class = fields.Enum(RenovationClass, by_value=True, allow_none=True)
    renovation_year = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1900, max=2100))
    management_mode = fields.Enum(ManagementMode, by_value=True)
    property_company = text(120, allow_none=True)
    service_grade = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    owners_committee_formed_on = day(allow_none=True)


class CompoundPatchIn(CompoundFields):
    """Change some fields of a compound."""

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("没有要修改的内容"), "_schema")


class CompoundCreateIn(CompoundFields):
    """A new compound in a community."""

    community_id = id_field(required=True)
    name = required_text(80)
    management_mode = fields.Enum(ManagementMode, by_value=True, required=True)


class RenovationItemIn(BaseSchema):
    """Add a renovation item, or update the one of the same name."""

    name = required_text(80)
    is_completed = fields.Boolean(required=True)
    completed_on = day(allow_none=True)
    warranty_until = day(allow_none=True)
    note = text(2000, allow_none=True)


class BuildingIn(BaseSchema):
    """A new building of a compound."""

    name = required_text(40)
    floors = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=120))
    has_elevator = fields.Boolean(load_default=False)


class UnitIn(BaseSchema):
    """A new unit (entrance) of a building."""

    name = required_text(40)


class HouseholdFields(BaseSchema):
    """Editable fields of a household; every one optional (PATCH)."""

    room_no = text(20, validate=_not_blank)
    floor = fields.Integer(strict=True, validate=validate.Range(min=-5, max=120))
    area_m2 = Area()
    is_sold_public_housing = fields.Boolean()
    note = text(200, allow_none=True)


class HouseholdPatchIn(HouseholdFields):
    """Change some fields of a household (an area change is audited: it moves fund shares)."""

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("没有要修改的内容"), "_schema")


class HouseholdCreateIn(HouseholdFields):
    """A new household in a unit."""

    unit_id = id_field(required=True)
    room_no = required_text(20)
    floor = fields.Integer(strict=True, required=True, validate=validate.Range(min=-5, max=120))
    area_m2 = Area(required=True)
    is_sold_public_housing = fields.Boolean(load_default=False)


class PersonIn(BaseSchema):
    """A person by name and phone; the same name and phone is the same person."""

    name = required_text(64)
    phone = text(20, allow_none=True, validate=_phone)
    is_organisation = fields.Boolean(load_default=False)


class TransferIn(BaseSchema):
    """过户: the buyers and the date of the sale."""

    on = day(required=True)
    owners = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(min=1, max=20))


class OwnerIn(PersonIn):
    """A co-owner added to a household from a date."""

    started_on = day(required=True)


class ResidentIn(PersonIn):
    """A family member or tenant moving in."""

    relation = fields.Enum(Relation, by_value=True, required=True)
    started_on = day(required=True)


class EndIn(BaseSchema):
    """The date something ends (a resident moves out)."""

    on = day(required=True)
