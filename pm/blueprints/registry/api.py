"""台账 REST API: streets, communities, compounds, buildings, units, households, owners, residents, stations.

Every read goes through the caller's Scope (a foreign id is a 404); every write checks the role's
capability (403 without it), calls a service in pm.services.registry and commits once here.
Lists are paginated ({items, page, per_page, total}) and load related rows in a fixed number of queries.
"""
from __future__ import annotations

from collections import defaultdict

from flask.views import MethodView
from flask_babel import gettext
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import require
from pm.blueprints.apiutil import (
    PageArgs,
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    paginate,
)
from pm.blueprints.registry import schemas as s
from pm.errors import Conflict, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    Household,
    Ownership,
    Residency,
    Station,
    StreetOffice,
    Unit,
    station_compounds,
)
from pm.services import registry

URL_PREFIX = ""
# One blueprint per resource family, so the OpenAPI document (and the docs page) groups them under a tag each.
tree_blp = api_blueprint("tree_api", __name__, description="组织机构：街道办事处与社区")
compounds_blp = api_blueprint("compounds_api", __name__, description="小区：基本信息、改造内容、楼栋与单元")
households_blp = api_blueprint("households_api", __name__, description="住户：查找、登记与修改，业主（含过户历史）与住户人员")
stations_blp = api_blueprint("stations_api", __name__, description="物业服务站及其服务的小区")
BLUEPRINTS = [tree_blp, compounds_blp, households_blp, stations_blp]

COMPOUND_OPTIONS = (joinedload(Compound.community), selectinload(Compound.renovation_items))
HOUSEHOLD_OPTIONS = (joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))


# -- helpers that attach scoped related rows to a page of objects (one query per kind) -------------
def _attach_units(buildings: list[Building]) -> list[Building]:
    by_building: dict[int, list[Unit]] = defaultdict(list)
    ids = [b.id for b in buildings]
    if ids:
        stmt = api_scope().select(Unit).where(Unit.building_id.in_(ids)).order_by(Unit.name, Unit.id)
        for unit in db.session.scalars(stmt):
            by_building[unit.building_id].append(unit)
    for building in buildings:
        building.visible_units = by_building[building.id]
    return buildings


def _attach_owners(households: list[Household]) -> list[Household]:
    by_household: dict[int, list] = defaultdict(list)
    ids = [h.id for h in households]
    if ids:
        stmt = (
            api_scope()
            .select(Ownership)
            .options(joinedload(Ownership.person))
            .where(Ownership.household_id.in_(ids), Ownership.ended_on.is_(None))
            .order_by(Ownership.started_on, Ownership.id)
        )
        for ownership in db.session.scalars(stmt):
            by_household[ownership.household_id].append(ownership.person)
    for household in households:
        household.current_owner_persons = by_household[household.id]
    return households


def _attach_compounds(stations: list[Station]) -> list[Station]:
    by_station: dict[int, list[Compound]] = defaultdict(list)
    ids = [st.id for st in stations]
    if ids:
        stmt = api_scope().filter(
            select(station_compounds.c.station_id, Compound)
            .join(station_compounds, station_compounds.c.compound_id == Compound.id)
            .where(station_compounds.c.station_id.in_(ids))
            .order_by(Compound.name, Compound.id),
            Compound,
        )
        for station_id, compound in db.session.execute(stmt):
            by_station[station_id].append(compound)
    for station in stations:
        station.visible_compounds = by_station[station.id]
    return stations


def _household(household_id: int) -> Household:
    """A household in scope with its place, current owners and current residents."""
    household = get_in_scope(Household, household_id, options=HOUSEHOLD_OPTIONS)
    _attach_owners([household])
    household.current_residencies = list(
        db.session.scalars(
            api_scope()
            .select(Residency)
            .options(joinedload(Residency.person))
            .where(Residency.household_id == household.id, Residency.ended_on.is_(None))
            .order_by(Residency.started_on, Residency.id)
        )
    )
    return household


def _owners(household: Household) -> dict:
    ownerships = db.session.scalars(
        api_scope()
        .select(Ownership)
        .options(joinedload(Ownership.person))
        .where(Ownership.household_id == household.id)
        .order_by(Ownership.started_on, Ownership.id)
    ).all()
    return {
        "household_id": household.id,
        "current": [o for o in ownerships if o.is_current],
        "history": [o for o in ownerships if not o.is_current],
    }


def _residents(household: Household) -> dict:
    residencies = db.session.scalars(
        api_scope()
        .select(Residency)
        .options(joinedload(Residency.person))
        .where(Residency.household_id == household.id)
        .order_by(Residency.started_on, Residency.id)
    ).all()
    return {
        "household_id": household.id,
        "current": [r for r in residencies if r.ended_on is None],
        "history": [r for r in residencies if r.ended_on is not None],
    }


def _person(data: dict):
    """The person named in a PersonIn payload (the same name and phone is the same person)."""
    return registry.find_or_create_person(data["name"], data.get("phone"), is_organisation=data["is_organisation"])


def _compound(compound_id: int) -> Compound:
    return get_in_scope(Compound, compound_id, options=COMPOUND_OPTIONS)


# -- streets and communities ---------------------------------------------------------------------
@tree_blp.route("/streets")
class Streets(MethodView):
    @tree_blp.arguments(PageArgs, location="query")
    @tree_blp.response(200, s.StreetPage)
    def get(self, args):
        """街道列表: the street offices in your scope."""
        stmt = api_scope().select(StreetOffice).order_by(StreetOffice.name, StreetOffice.id)
        return paginate(stmt, args)


@tree_blp.route("/streets/<int:street_id>")
class StreetDetail(MethodView):
    @tree_blp.response(200, s.StreetOut)
    def get(self, street_id):
        """One street office."""
        return get_in_scope(StreetOffice, street_id)


@tree_blp.route("/communities")
class Communities(MethodView):
    @tree_blp.arguments(s.CommunityArgs, location="query")
    @tree_blp.response(200, s.CommunityPage)
    def get(self, args):
        """社区列表, optionally of one street."""
        stmt = api_scope().select(Community).options(joinedload(Community.street))
        if args.get("street_id"):
            stmt = stmt.where(Community.street_id == args["street_id"])
        return paginate(stmt.order_by(Community.name, Community.id), args)


@tree_blp.route("/communities/<int:community_id>")
class CommunityDetail(MethodView):
    @tree_blp.response(200, s.CommunityOut)
    def get(self, community_id):
        """One community."""
        return get_in_scope(Community, community_id, options=(joinedload(Community.street),))


# -- compounds -----------------------------------------------------------------------------------
@compounds_blp.route("/compounds")
class Compounds(MethodView):
    @compounds_blp.arguments(s.CompoundArgs, location="query")
    @compounds_blp.response(200, s.CompoundPage)
    def get(self, args):
        """小区列表, filtered by street, community, management mode or name/address text."""
        stmt = api_scope().select(Compound).options(joinedload(Compound.community))
        if args.get("community_id"):
            stmt = stmt.where(Compound.community_id == args["community_id"])
        if args.get("street_id"):
            stmt = stmt.where(
                Compound.community_id.in_(select(Community.id).where(Community.street_id == args["street_id"]))
            )
        if args.get("management_mode"):
            stmt = stmt.where(Compound.management_mode == args["management_mode"])
        if args.get("q") and args["q"].strip():
            q = args["q"].strip()
            stmt = stmt.where(
                or_(Compound.name.contains(q, autoescape=True), Compound.address.contains(q, autoescape=True))
            )
        return paginate(stmt.order_by(Compound.name, Compound.id), args)

    @compounds_blp.arguments(s.CompoundCreateIn)
    @compounds_blp.response(201, s.CompoundDetailOut)
    def post(self, data):
        """Create a compound in a community (needs compound.edit)."""
        user = api_user()
        require(user, "compound.edit")
        community = get_in_scope(Community, data.pop("community_id"), field="community_id")
        compound = registry.create_compound(community, data, actor=user, scope=api_scope())
        return _compound(compound.id)


@compounds_blp.route("/compounds/<int:compound_id>")
class CompoundDetail(MethodView):
    @compounds_blp.response(200, s.CompoundDetailOut)
    def get(self, compound_id):
        """One compound with its renovation items."""
        return _compound(compound_id)

    @compounds_blp.arguments(s.CompoundPatchIn)
    @compounds_blp.response(200, s.CompoundDetailOut)
    def patch(self, data, compound_id):
        """Change some fields of a compound (needs compound.edit)."""
        user = api_user()
        require(user, "compound.edit")
        compound = _compound(compound_id)
        registry.update_compound(compound, data, actor=user, scope=api_scope())
        return _compound(compound_id)


@compounds_blp.route("/compounds/<int:compound_id>/renovation-items")
class RenovationItems(MethodView):
    @compounds_blp.arguments(s.RenovationItemIn)
    @compounds_blp.response(200, s.RenovationItemOut)
    def post(self, data, compound_id):
        """Add a renovation item, or update the one of the same name (needs compound.edit)."""
        user = api_user()
        require(user, "compound.edit")
        compound = _compound(compound_id)
        item = registry.set_renovation_item(compound, actor=user, scope=api_scope(), **data)
        return item


# -- buildings and units -------------------------------------------------------------------------
@compounds_blp.route("/compounds/<int:compound_id>/buildings")
class Buildings(MethodView):
    @compounds_blp.arguments(PageArgs, location="query")
    @compounds_blp.response(200, s.BuildingPage)
    def get(self, args, compound_id):
        """楼栋 of a compound, each with its units."""
        get_in_scope(Compound, compound_id)
        stmt = api_scope().select(Building).where(Building.compound_id == compound_id)
        page = paginate(stmt.order_by(Building.name, Building.id), args)
        _attach_units(page["items"])
        return page

    @compounds_blp.arguments(s.BuildingIn)
    @compounds_blp.response(201, s.BuildingOut)
    def post(self, data, compound_id):
        """Add a building to a compound (needs household.edit); a name already used is a 409."""
        user = api_user()
        require(user, "household.edit")
        compound = get_in_scope(Compound, compound_id)
        name = data["name"].strip()
        if db.session.scalar(select(Building.id).where(Building.compound_id == compound.id, Building.name == name)):
            raise Conflict(gettext("该小区已有同名楼栋"), field="name")
        building = registry.get_or_create_building(
            compound, name, floors=data.get("floors"), has_elevator=data["has_elevator"],
            actor=user, scope=api_scope(),
        )
        return _attach_units([get_in_scope(Building, building.id)])[0]


@compounds_blp.route("/buildings/<int:building_id>")
class BuildingDetail(MethodView):
    @compounds_blp.response(200, s.BuildingOut)
    def get(self, building_id):
        """One building with its units."""
        return _attach_units([get_in_scope(Building, building_id)])[0]


@compounds_blp.route("/buildings/<int:building_id>/units")
class Units(MethodView):
    @compounds_blp.arguments(s.UnitIn)
    @compounds_blp.response(201, s.UnitOut)
    def post(self, data, building_id):
        """Add a unit (entrance) to a building (needs household.edit); a name already used is a 409."""
        user = api_user()
        require(user, "household.edit")
        building = get_in_scope(Building, building_id)
        name = data["name"].strip()
        if db.session.scalar(select(Unit.id).where(Unit.building_id == building.id, Unit.name == name)):
            raise Conflict(gettext("该楼栋已有同名单元"), field="name")
        unit = registry.get_or_create_unit(building, name, actor=user, scope=api_scope())
        return get_in_scope(Unit, unit.id)


# -- households ----------------------------------------------------------------------------------
@households_blp.route("/households")
class Households(MethodView):
    @households_blp.arguments(s.HouseholdArgs, location="query")
    @households_blp.response(200, s.HouseholdPage)
    def get(self, args):
        """查找住户 by compound, building, room, or an owner's name or phone (q)."""
        stmt = registry.search_households(
            api_scope(), q=args.get("q"), compound_id=args.get("compound_id"),
            building=args.get("building"), room=args.get("room"),
        )
        page = paginate(stmt, args)
        _attach_owners(page["items"])
        return page

    @households_blp.arguments(s.HouseholdCreateIn)
    @households_blp.response(201, s.HouseholdDetailOut)
    def post(self, data):
        """Register a household in a unit (needs household.edit); a room already in the unit is a 409."""
        user = api_user()
        require(user, "household.edit")
        unit = get_in_scope(Unit, data.pop("unit_id"), field="unit_id")
        household = registry.create_household(unit, data, actor=user, scope=api_scope())
        return _household(household.id)


@households_blp.route("/households/<int:household_id>")
class HouseholdDetail(MethodView):
    @households_blp.response(200, s.HouseholdDetailOut)
    def get(self, household_id):
        """One household with its current owners and residents."""
        return _household(household_id)

    @households_blp.arguments(s.HouseholdPatchIn)
    @households_blp.response(200, s.HouseholdDetailOut)
    def patch(self, data, household_id):
        """Change room, floor, area or note of a household (needs household.edit)."""
        user = api_user()
        require(user, "household.edit")
        household = get_in_scope(Household, household_id)
        registry.update_household(household, data, actor=user, scope=api_scope())
        return _household(household_id)


@households_blp.route("/households/<int:household_id>/owners")
class Owners(MethodView):
    @households_blp.response(200, s.OwnersOut)
    def get(self, household_id):
        """业主: the current owners of a household and the past ones (history is kept)."""
        return _owners(get_in_scope(Household, household_id))

    @households_blp.arguments(s.OwnerIn)
    @households_blp.response(201, s.OwnersOut)
    def post(self, data, household_id):
        """Add a co-owner from a date (needs household.edit)."""
        user = api_user()
        require(user, "household.edit")
        household = get_in_scope(Household, household_id)
        person = _person(data)
        registry.add_owner(household, person, started_on=data["started_on"], actor=user, scope=api_scope())
        return _owners(get_in_scope(Household, household_id))


@households_blp.route("/households/<int:household_id>/transfers")
class Transfers(MethodView):
    @households_blp.arguments(s.TransferIn)
    @households_blp.response(201, s.OwnersOut)
    def post(self, data, household_id):
        """过户: a sale ends the current ownerships on `on` and starts the buyers' (needs household.edit)."""
        user = api_user()
        require(user, "household.edit")
        household = get_in_scope(Household, household_id)
        buyers = [_person(p) for p in data["owners"]]
        registry.transfer_ownership(household, buyers, on=data["on"], actor=user, scope=api_scope())
        return _owners(get_in_scope(Household, household_id))


@households_blp.route("/households/<int:household_id>/residents")
class Residents(MethodView):
    @households_blp.response(200, s.ResidentsOut)
    def get(self, household_id):
        """住户人员 of a household: those living there now, and those who moved out."""
        return _residents(get_in_scope(Household, household_id))

    @households_blp.arguments(s.ResidentIn)
    @households_blp.response(201, s.ResidencyOut)
    def post(self, data, household_id):
        """A family member or tenant moves in (needs household.edit)."""
        user = api_user()
        require(user, "household.edit")
        household = get_in_scope(Household, household_id)
        person = _person(data)
        residency = registry.add_resident(
            household, person, relation=data["relation"], started_on=data["started_on"], actor=user, scope=api_scope()
        )
        return get_in_scope(Residency, residency.id, options=(joinedload(Residency.person),))


@households_blp.route("/households/<int:household_id>/residents/<int:residency_id>/end")
class ResidentEnd(MethodView):
    @households_blp.arguments(s.EndIn)
    @households_blp.response(200, s.ResidencyOut)
    def post(self, data, household_id, residency_id):
        """A resident moves out on `on` (needs household.edit)."""
        user = api_user()
        require(user, "household.edit")
        residency = get_in_scope(Residency, residency_id)
        if residency.household_id != household_id:
            raise NotFound(gettext("住户 %(id)s 不属于该户", id=residency_id))
        registry.end_residency(residency, on=data["on"], actor=user, scope=api_scope())
        return get_in_scope(Residency, residency_id, options=(joinedload(Residency.person),))


# -- stations ------------------------------------------------------------------------------------
@stations_blp.route("/stations")
class Stations(MethodView):
    @stations_blp.arguments(s.StationArgs, location="query")
    @stations_blp.response(200, s.StationPage)
    def get(self, args):
        """物业服务站 in your scope, each with the compounds it serves."""
        stmt = api_scope().select(Station)
        if args.get("community_id"):
            stmt = stmt.where(Station.community_id == args["community_id"])
        page = paginate(stmt.order_by(Station.name, Station.id), args)
        _attach_compounds(page["items"])
        return page


@stations_blp.route("/stations/<int:station_id>")
class StationDetail(MethodView):
    @stations_blp.response(200, s.StationOut)
    def get(self, station_id):
        """One station with the compounds it serves."""
        return _attach_compounds([get_in_scope(Station, station_id)])[0]
