"""报修用语: the words the repair pages use for a missed deadline and a rating (translatable vocabularies), and the
team each category goes to."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext  # named so that pybabel's default keywords extract it

from pm.models import RepairCategory, TeamKind
from pm.services.labels import register_vocabulary

# RepairRequest.missed_deadline(): which deadline was missed.
register_vocabulary("repair_deadline", {"response": _l("响应时限"), "onsite": _l("到场时限"),
                                        "completion": _l("完成时限")})
# RepairRequest.rating: five stars, each with its word (best first, as the page offers them); 一般 here is "fair",
# not the urgency "normal", hence its context.
register_vocabulary("repair_rating", {"5": _l("很满意"), "4": _l("满意"), "3": pgettext("rating", "一般"), "2": _l("不满意"),
                                      "1": _l("很不满意")})
RATINGS = (5, 4, 3, 2, 1)

# The team a category goes to (派单建议): cleaning for garbage and greening, security for parking, public order
# for illegal building; the operations & maintenance team for everything else.
TEAM_OF_CATEGORY: dict[RepairCategory, TeamKind] = {
    RepairCategory.GARBAGE: TeamKind.CLEANING,
    RepairCategory.GREENING: TeamKind.CLEANING,
    RepairCategory.PARKING: TeamKind.SECURITY,
    RepairCategory.ILLEGAL_BUILDING: TeamKind.ORDER,
}


def team_kind_for(category: RepairCategory | str) -> TeamKind:
    """The kind of team a request of `category` is proposed to."""
    return TEAM_OF_CATEGORY.get(RepairCategory(category), TeamKind.MAINTENANCE)


def stars(rating: int | None) -> str:
    """★★★★☆ for 4 ("" for no rating)."""
    return "" if not rating else "★" * rating + "☆" * (5 - rating)
