"""工作台上下文: what every card of a home page reads — the user, their scope, the clock and shared facts.

A fact is a small set of figures computed by one grouped query (or a fixed few) within the user's scope, the
first time a card asks for it; the page then runs the same number of queries whatever the size of the area.
Register one with @fact("name") (pm/services/dashboard/facts*.py) and read it with home.fact("name").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from pm.access import Scope
from pm.models import User
from pm.timeutil import LOCAL_TZ, local_today

FACTS: dict[str, Callable] = {}


def fact(name: str):
    """Register the function computing a fact of the home page (called at most once per page)."""
    def register(function: Callable) -> Callable:
        if name in FACTS and FACTS[name] is not function:
            raise RuntimeError(f"a dashboard fact {name!r} is already registered")
        FACTS[name] = function
        return function
    return register


@dataclass
class Home:
    """One home page being built: the user, their scope and the instant it is built at."""

    user: User
    scope: Scope
    now: datetime
    _facts: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_today(self.now)

    @property
    def week_start(self) -> date:
        """Monday of this week (Beijing time)."""
        return self.today - timedelta(days=self.today.weekday())

    def day_start(self, day: date) -> datetime:
        """The UTC instant at which Beijing's `day` starts."""
        return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)

    def fact(self, name: str):
        if name not in self._facts:
            self._facts[name] = FACTS[name](self)
        return self._facts[name]
