"""Migration 0017: the stations' and compounds' free-text firm names become one firm record per county and name;
each station points to its firm. Built at 0011 by SQL, then upgraded (and downgraded again)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from pm import create_app
from pm.extensions import db as _db
from pm.models import PropertyFirm, Station
from tests.votes.test_migration import Rows, database  # noqa: F401  (the fixture: a database of its own)

pytestmark = pytest.mark.postgres


def test_firm_names_become_firms(database, tmp_path):  # noqa: F811
    """Two stations with the same name (spaces aside) share one firm; a compound's name becomes a firm too."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        upgrade(revision="0011")
        with _db.engine.begin() as conn:
            r = Rows(conn)
            county = r.add("counties", name="县")
            other = r.add("counties", name="外县")
            ids = {}
            for c, tag in ((county, "a"), (other, "b")):
                street = r.add("street_offices", county_id=c, name="街道")
                community = r.add("communities", street_id=street, name="社区")
                r.add("compounds", community_id=community, name="小区", management_mode="professional",
                      service_grade=2, property_company="华安物业")
                ids[tag] = [r.add("stations", community_id=community, name="一站", operator="安居物业"),
                            r.add("stations", community_id=community, name="二站", operator=" 安居物业 "),
                            r.add("stations", community_id=community, name="三站", operator=None)]
        upgrade(revision="0017")
        session = _db.session
        firms = session.execute(sa.select(PropertyFirm.county_id, PropertyFirm.name)).all()
        assert sorted(firms) == sorted([(county, "华安物业"), (county, "安居物业"), (other, "华安物业"),
                                        (other, "安居物业")])
        a1, a2, a3 = (session.get(Station, i) for i in ids["a"])
        b1 = session.get(Station, ids["b"][0])
        assert a1.firm_id == a2.firm_id and a2.operator == "安居物业" and a3.firm_id is None
        assert b1.firm_id != a1.firm_id
        session.remove()
        downgrade(revision="0011")
        _db.engine.dispose()
