"""我的房屋: an owner's or resident's homes, for their home page and the registry's "my homes" page."""
from __future__ import annotations

from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.extensions import db
from pm.models import Household


def my_households(scope: Scope) -> list[Household]:
    """An owner's or resident's homes with building, unit and compound loaded."""
    return list(
        db.session.scalars(
            scope.select(Household)
            .options(joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))
            .order_by(Household.id)
        )
    )
