"""督查用语: the built-in assessment items (考核项目) by code, translatable (the model keeps codes and points)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pm.models.inspections import ASSESSMENT_ITEMS
from pm.services.labels import label_of, register_vocabulary

ITEM_NAMES = {
    "environment": _l("环境卫生/保洁"),
    "order": _l("秩序维护/安保"),
    "facilities": _l("设施设备维护"),
    "greening": _l("绿化"),
    "parking": _l("停车管理"),
    "repairs": _l("报修服务"),
    "satisfaction": _l("群众满意度"),
    "records": _l("台账资料"),
    "party": _l("党建引领"),
}
register_vocabulary("assessment_item", ITEM_NAMES)


def item_label(code: str) -> str:
    """An assessment item's name in the reader's language (the code itself if unknown)."""
    return label_of("assessment_item", code)


def item_choices() -> list[tuple[str, object]]:
    """(code, "name (points)") for a select, translated when shown (form classes are built at import)."""
    return [(i.code, _l("%(name)s（%(points)s 分）", name=ITEM_NAMES[i.code], points=i.max_points))
            for i in ASSESSMENT_ITEMS]
