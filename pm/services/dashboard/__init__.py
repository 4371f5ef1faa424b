"""工作台: each role's home page as a list of its work — cards of figures, each a link to the list behind it.

- cards: the Card/Figure dataclasses and the @card registry (how another domain adds a card);
- home: the page's context (user, scope, clock) and the @fact registry of shared grouped aggregates;
- facts, facts_fund: the aggregates (repairs, jobs, orders, logs, inspections due, fund, plans, notices);
- cards_station, cards_area, cards_resident: the cards of station users, officials and residents;
- charts: small server-side SVG charts (no script, no inline style: the CSP allows neither);
- households: an owner's or resident's homes.
"""
from __future__ import annotations

from datetime import datetime

from pm.access import Scope
from pm.models import User
from pm.services.dashboard import (  # noqa: F401
    cards_area,
    cards_governance,
    cards_resident,
    cards_station,
    facts,
    facts_fund,
)
from pm.services.dashboard import cards_survey  # noqa: F401
from pm.services.dashboard import cards_motions  # noqa: F401
from pm.services.dashboard import cards_meetings  # noqa: F401  (joint meetings' action items)
from pm.services.dashboard import cards_assessment  # noqa: F401
from pm.services.dashboard import cards_unit_score  # noqa: F401  (an assessed unit's own score)
from pm.services.dashboard.cards import CARDS, Card, Figure, Link, card, cards_for  # noqa: F401
from pm.services.dashboard.facts import inspections_due_stmt  # noqa: F401
from pm.services.dashboard.home import FACTS, Home, fact  # noqa: F401
from pm.services.dashboard.households import my_households  # noqa: F401


def home_cards(user: User, scope: Scope, *, now: datetime) -> tuple[Home, list[Card]]:
    """The cards of a user's home page as of `now` (a fixed number of queries whatever the area's size)."""
    home = Home(user=user, scope=scope, now=now)
    return home, cards_for(home)
