"""工作台卡片: the pluggable cards of the home pages — a registry of functions, each returning one Card.

A card is a function of the page's `Home` (the user, their scope, the clock and the shared aggregates) that
returns a `Card`, or None when it has nothing to say. Register it with

    @card(roles={Role.STREET_OFFICER, Role.COUNTY_ADMIN}, order=40, capability="inspection.view")
    def my_card(home: Home) -> Card | None:
        counts = home.fact("orders")            # shared grouped aggregates, computed once per page
        return Card(_l("…"), figures=[Figure(_l("…"), counts.overdue, "inspections.orders", {"overdue": 1})])

in a module imported by pm/services/dashboard/__init__.py. Every figure names the list behind it (an endpoint
and its query arguments) and that list must show exactly the figure's rows. A card reads its numbers from a
fact (pm/services/dashboard/facts.py: one grouped query per domain, registered with @fact) so that a page
runs a fixed number of queries however many cards and rows there are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from markupsafe import Markup

from pm.access import can
from pm.models import Role


@dataclass
class Figure:
    """One number on a card and the filtered list that shows its rows (None: no list)."""

    label: str
    value: int | str
    endpoint: str | None = None
    args: dict = field(default_factory=dict)
    tone: str = ""  # "", "warn" or "alert": how loudly a non-zero figure is shown
    key: str = ""  # a stable name for tests and the bench (data-figure)
    note: str = ""  # a comparison, e.g. "上月 12"

    @property
    def alert(self) -> bool:
        return bool(self.tone) and bool(self.value) and self.value != "0"


@dataclass
class Link:
    """A next step under a card."""

    text: str
    endpoint: str
    args: dict = field(default_factory=dict)


@dataclass
class Card:
    """What a card shows: a title, figures, optional chart (server-side SVG), rows rendered by a partial."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    chart: Markup | None = None
    chart_caption: str = ""
    partial: str | None = None  # a template rendering `rows` (e.g. the staff member's jobs)
    rows: list = field(default_factory=list)
    key: str = ""
    wide: bool = False


@dataclass(frozen=True)
class CardSpec:
    function: Callable
    roles: frozenset[Role]
    order: int
    capability: str | None


CARDS: list[CardSpec] = []


def card(*, roles, order: int = 100, capability: str | None = None):
    """Register a card function for the given roles (and only when the user has `capability`)."""
    def register(function: Callable) -> Callable:
        CARDS.append(CardSpec(function, frozenset(roles), order, capability))
        CARDS.sort(key=lambda spec: spec.order)
        return function
    return register


def cards_for(home) -> list[Card]:
    """The cards of the user's home page, in order (those that have something to show)."""
    out = []
    for spec in CARDS:
        if home.user.role not in spec.roles:
            continue
        if spec.capability is not None and not can(home.user, spec.capability):
            continue
        result = spec.function(home)
        if result is not None:
            result.key = result.key or spec.function.__name__
            out.append(result)
    return out
