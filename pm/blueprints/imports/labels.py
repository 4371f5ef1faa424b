"""台账导入 page labels: the preview's counts and kinds of change, as the page and its tests name them."""
from flask_babel import lazy_gettext as _l

SUMMARY_NAMES = {
    "households_new": _l("新建房屋"), "areas_changed": _l("面积变化"), "floors_changed": _l("楼层变化"),
    "other_changes": _l("房改房或备注变化"), "ownerships_ended": _l("结束的产权（登记更正）"),
    "ownerships_started": _l("新登记的业主"), "buildings_new": _l("新建楼栋"), "buildings_changed": _l("楼栋层数或电梯变化"),
    "units_new": _l("新建单元"), "examples_skipped": _l("跳过的示例行"),
}
CHANGE_NAMES = {
    "household_new": _l("新建房屋"), "area": _l("面积"), "floor": _l("楼层"), "is_sold_public_housing": _l("房改房"),
    "note": _l("备注"), "owners_end": _l("结束产权"), "owners_add": _l("登记业主"), "building_new": _l("新建楼栋"),
    "building_floors": _l("楼栋层数"), "building_has_elevator": _l("楼栋电梯"), "unit_new": _l("新建单元"),
}
