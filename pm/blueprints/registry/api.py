"""台账 REST API: streets, communities, compounds, buildings, units, households, owners, residents, stations."""
# Every read goes through the caller's Scope (a foreign id is a 404) and the same registry service as the page;
# every write checks the role's capability (403 without it) in a service of pm.services.registry; the request
# commits once. Lists are paginated ({items, page, per_page, total}) and load related rows in a fixed number of
# queries.
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.orm import joinedload

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
from pm.errors import NotFound
from pm.models import (
    Building,
    Community,
    Compound,
    Household,
    Residency,
    Station,
    StreetOffice,
    Unit,
)
from pm.services.registry import buildings, compounds, households, people, search, tree
from pm.services.registry.compounds import COMPOUND_OPTIONS
from pm.services.registry.households import HOUSEHOLD_OPTIONS

URL_PREFIX = ""
# One blueprint per resource family, so the OpenAPI document (and the docs page) groups them under a tag each.
tree_blp = api_blueprint("tree_api", __name__, description="组织机构：街道办事处与社区")
compounds_blp = api_blueprint("compounds_api", __name__, description="小区：基本信息、改造内容、楼栋与单元")
households_blp = api_blueprint("households_api", __name__, description="住户：查找、登记与修改，业主（含过户历史）与住户人员")
stations_blp = api_blueprint("stations_api", __name__, description="物业服务站及其服务的小区")
BLUEPRINTS = [tree_blp, compounds_blp, households_blp, stations_blp]


# -- the services' answers shaped as the schemas read them (related rows attached to the objects) -----------
def _with_units(items: list[Building]) -> list[Building]:
    units = buildings.units_of(api_scope(), [b.id for b in items])
    for building in items:
        building.visible_units = units[building.id]
    return items


def _with_owners(items: list[Household]) -> list[Household]:
    owners = people.owners_by_household(api_scope(), [h.id for h in items])
    for household in items:
        household.current_owner_persons = [o.person for o in owners[household.id]]
    return items


def _with_compounds(items: list[Station]) -> list[Station]:
    served = tree.compounds_served(api_scope(), [st.id for st in items])
    for station in items:
        station.visible_compounds = served[station.id]
    return items


def _detail(household_id: int, options: tuple = ()) -> households.HouseholdDetail:
    """The registry's household detail (owners and residents, loaded when used) of a household in scope."""
    return households.HouseholdDetail(api_scope(), get_in_scope(Household, household_id, options=options))


def _household(household_id: int) -> Household:
    """A household in scope with its place, current owners and current residents."""
    found = _detail(household_id, HOUSEHOLD_OPTIONS)
    found.household.current_owner_persons = found.owner_persons
    found.household.current_residencies = found.current_residents
    return found.household


def _owners(found: households.HouseholdDetail) -> dict:
    return {"household_id": found.household.id, "current": found.current_owners, "history": found.past_owners}


def _residents(found: households.HouseholdDetail) -> dict:
    return {"household_id": found.household.id, "current": found.current_residents, "history": found.past_residents}


def _person(data: dict):
    """The person named in a PersonIn payload (the same name and phone is the same person)."""
    return people.find_or_create_person(data["name"], data.get("phone"), is_organisation=data["is_organisation"],
                                        scope=api_scope(), actor=api_user())


def _compound(compound_id: int):
    return get_in_scope(Compound, compound_id, options=COMPOUND_OPTIONS)


# -- streets and communities ---------------------------------------------------------------------
@tree_blp.route("/streets")
class Streets(MethodView):
    @tree_blp.arguments(PageArgs, location="query")
    @tree_blp.response(200, s.StreetPage)
    def get(self, args):
        """街道列表: the street offices in your scope."""
        return paginate(tree.streets(api_scope()), args)


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
        return paginate(tree.communities(api_scope(), street_id=args.get("street_id")), args)


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
        stmt = compounds.find_compounds(
            api_scope(), street_id=args.get("street_id"), community_id=args.get("community_id"),
            management_mode=args.get("management_mode"), q=args.get("q"),
        )
        return paginate(stmt, args)

    @compounds_blp.arguments(s.CompoundCreateIn)
    @compounds_blp.response(201, s.CompoundDetailOut)
    def post(self, data):
        """Create a compound in a community (needs compound.edit)."""
        require(api_user(), "compound.edit")
        community = get_in_scope(Community, data.pop("community_id"), field="community_id")
        compound = compounds.create_compound(community, data, scope=api_scope(), actor=api_user())
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
        require(api_user(), "compound.edit")
        compound = _compound(compound_id)
        compounds.update_compound(compound, data, scope=api_scope(), actor=api_user())
        return _compound(compound_id)


@compounds_blp.route("/compounds/<int:compound_id>/renovation-items")
class RenovationItems(MethodView):
    @compounds_blp.arguments(s.RenovationItemIn)
    @compounds_blp.response(200, s.RenovationItemOut)
    def post(self, data, compound_id):
        """Add a renovation item, or update the one of the same name (needs compound.edit)."""
        require(api_user(), "compound.edit")
        return compounds.set_renovation_item(_compound(compound_id), scope=api_scope(), actor=api_user(), **data)


# -- buildings and units -------------------------------------------------------------------------
@compounds_blp.route("/compounds/<int:compound_id>/buildings")
class Buildings(MethodView):
    @compounds_blp.arguments(PageArgs, location="query")
    @compounds_blp.response(200, s.BuildingPage)
    def get(self, args, compound_id):
        """楼栋 of a compound, each with its units."""
        get_in_scope(Compound, compound_id)
        page = paginate(buildings.of_compound(api_scope(), compound_id), args)
        _with_units(page["items"])
        return page

    @compounds_blp.arguments(s.BuildingIn)
    @compounds_blp.response(201, s.BuildingOut)
    def post(self, data, compound_id):
        """Add a building to a compound (needs household.edit); a name already used is a 409."""
        require(api_user(), "household.edit")
        compound = get_in_scope(Compound, compound_id)
        building = buildings.create_building(compound, data["name"].strip(), floors=data.get("floors"),
                                             has_elevator=data["has_elevator"], scope=api_scope(), actor=api_user())
        return _with_units([get_in_scope(Building, building.id)])[0]


@compounds_blp.route("/buildings/<int:building_id>")
class BuildingDetail(MethodView):
    @compounds_blp.response(200, s.BuildingOut)
    def get(self, building_id):
        """One building with its units."""
        return _with_units([get_in_scope(Building, building_id)])[0]


@compounds_blp.route("/buildings/<int:building_id>/units")
class Units(MethodView):
    @compounds_blp.arguments(s.UnitIn)
    @compounds_blp.response(201, s.UnitOut)
    def post(self, data, building_id):
        """Add a unit (entrance) to a building (needs household.edit); a name already used is a 409."""
        require(api_user(), "household.edit")
        building = get_in_scope(Building, building_id)
        unit = buildings.create_unit(building, data["name"].strip(), scope=api_scope(), actor=api_user())
        return get_in_scope(Unit, unit.id)


# -- households ----------------------------------------------------------------------------------
@households_blp.route("/households")
class Households(MethodView):
    @households_blp.arguments(s.HouseholdArgs, location="query")
    @households_blp.response(200, s.HouseholdPage)
    def get(self, args):
        """查找住户 by compound, building, room, or an owner's name or phone (q)."""
        stmt = search.search_households(
            api_scope(), q=args.get("q"), compound_id=args.get("compound_id"),
            building=args.get("building"), room=args.get("room"),
        )
        page = paginate(stmt, args)
        _with_owners(page["items"])
        return page

    @households_blp.arguments(s.HouseholdCreateIn)
    @households_blp.response(201, s.HouseholdDetailOut)
    def post(self, data):
        """Register a household in a unit (needs household.edit); a room already in the unit is a 409."""
        require(api_user(), "household.edit")
        unit = get_in_scope(Unit, data.pop("unit_id"), field="unit_id")
        household = households.create_household(unit, data, scope=api_scope(), actor=api_user())
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
        require(api_user(), "household.edit")
        household = get_in_scope(Household, household_id)
        households.update_household(household, data, scope=api_scope(), actor=api_user())
        return _household(household_id)


@households_blp.route("/households/<int:household_id>/owners")
class Owners(MethodView):
    @households_blp.response(200, s.OwnersOut)
    def get(self, household_id):
        """业主: the current owners of a household and the past ones (history is kept)."""
        return _owners(_detail(household_id))

    @households_blp.arguments(s.OwnerIn)
    @households_blp.response(201, s.OwnersOut)
    def post(self, data, household_id):
        """Add a co-owner from a date (needs household.edit)."""
        require(api_user(), "household.edit")
        household = get_in_scope(Household, household_id)
        people.add_owner(household, _person(data), started_on=data["started_on"], scope=api_scope(), actor=api_user())
        return _owners(_detail(household_id))


@households_blp.route("/households/<int:household_id>/transfers")
class Transfers(MethodView):
    @households_blp.arguments(s.TransferIn)
    @households_blp.response(201, s.OwnersOut)
    def post(self, data, household_id):
        """过户: a sale ends the current ownerships on `on` and starts the buyers' (needs household.edit)."""
        require(api_user(), "household.edit")
        household = get_in_scope(Household, household_id)
        buyers = [_person(p) for p in data["owners"]]
        people.transfer_ownership(household, buyers, on=data["on"], scope=api_scope(), actor=api_user())
        return _owners(_detail(household_id))


@households_blp.route("/households/<int:household_id>/residents")
class Residents(MethodView):
    @households_blp.response(200, s.ResidentsOut)
    def get(self, household_id):
        """住户人员 of a household: those living there now, and those who moved out."""
        return _residents(_detail(household_id))

    @households_blp.arguments(s.ResidentIn)
    @households_blp.response(201, s.ResidencyOut)
    def post(self, data, household_id):
        """A family member or tenant moves in (needs household.edit)."""
        require(api_user(), "household.edit")
        household = get_in_scope(Household, household_id)
        residency = people.add_resident(household, _person(data), relation=data["relation"],
                                        started_on=data["started_on"], scope=api_scope(), actor=api_user())
        return get_in_scope(Residency, residency.id, options=(joinedload(Residency.person),))


@households_blp.route("/households/<int:household_id>/residents/<int:residency_id>/end")
class ResidentEnd(MethodView):
    @households_blp.arguments(s.EndIn)
    @households_blp.response(200, s.ResidencyOut)
    def post(self, data, household_id, residency_id):
        """A resident moves out on `on` (needs household.edit)."""
        require(api_user(), "household.edit")
        residency = get_in_scope(Residency, residency_id)
        if residency.household_id != household_id:
            raise NotFound("住户 %(id)s 不属于该户", id=residency_id)
        people.end_residency(residency, on=data["on"], scope=api_scope(), actor=api_user())
        return get_in_scope(Residency, residency_id, options=(joinedload(Residency.person),))


# -- stations ------------------------------------------------------------------------------------
@stations_blp.route("/stations")
class Stations(MethodView):
    @stations_blp.arguments(s.StationArgs, location="query")
    @stations_blp.response(200, s.StationPage)
    def get(self, args):
        """物业服务站 in your scope, each with the compounds it serves."""
        page = paginate(tree.stations(api_scope(), community_id=args.get("community_id")), args)
        _with_compounds(page["items"])
        return page


@stations_blp.route("/stations/<int:station_id>")
class StationDetail(MethodView):
    @stations_blp.response(200, s.StationOut)
    def get(self, station_id):
        """One station with the compounds it serves."""
        return _with_compounds([get_in_scope(Station, station_id)])[0]
