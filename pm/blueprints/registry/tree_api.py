"""组织机构 REST API (county admins, tree.edit): new street offices, communities and property service stations —
what the pages under /registry do. Reading them is pm.blueprints.registry.api."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, api_blueprint, api_scope, api_user, get_in_scope, id_field, text
from pm.blueprints.registry import schemas as s
from pm.models import Community, County, StreetOffice
from pm.services.registry import tree

URL_PREFIX = ""
blp = api_blueprint("treeedit_api", __name__, description="组织机构维护：新增街道、社区与物业服务站（县级管理员）")


class NodeIn(BaseSchema):
    name = text(64, required=True, validate=validate.Length(min=1))
    phone = text(20, load_default=None, allow_none=True)


class StationIn(NodeIn):
    compound_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=500),
                               metadata={"description": "the compounds it serves (in the community's scope)"})
    operator = text(100, load_default=None, allow_none=True)


@blp.route("/counties/<int:county_id>/streets")
class NewStreet(MethodView):
    @blp.arguments(NodeIn)
    @blp.response(201, s.StreetOut)
    def post(self, data, county_id):
        """新增街道办事处 of the county."""
        county = get_in_scope(County, county_id)
        return tree.create_street(county, scope=api_scope(), actor=api_user(), **data)


@blp.route("/streets/<int:street_id>/communities")
class NewCommunity(MethodView):
    @blp.arguments(NodeIn)
    @blp.response(201, s.CommunityOut)
    def post(self, data, street_id):
        """新增社区 of a street office."""
        street = get_in_scope(StreetOffice, street_id)
        return tree.create_community(street, scope=api_scope(), actor=api_user(), **data)


@blp.route("/communities/<int:community_id>/stations")
class NewStation(MethodView):
    @blp.arguments(StationIn)
    @blp.response(201, s.StationOut)
    def post(self, data, community_id):
        """新增物业服务站 of a community, serving the given compounds."""
        community = get_in_scope(Community, community_id)
        station = tree.create_station(community, scope=api_scope(), actor=api_user(), **data)
        station.visible_compounds = list(station.compounds)
        return station
