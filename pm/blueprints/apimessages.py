"""Chinese default messages for marshmallow fields and validators, so every API error reads in Chinese.

Imported once by pm.blueprints.apiutil; schemas may still pass their own, more specific messages.
"""
from marshmallow import Schema, fields, validate

Schema._default_error_messages = {"type": "输入类型无效", "unknown": "未知字段"}
fields.Field.default_error_messages = {"required": "此项必填", "null": "不能为空值", "validator_failed": "取值无效"}
fields.Integer.default_error_messages = {"invalid": "必须是整数"}
fields.Number.default_error_messages = {"invalid": "必须是数字", "too_large": "数字过大"}
fields.String.default_error_messages = {"invalid": "必须是文字", "invalid_utf8": "不是有效的 UTF-8 文字"}
fields.Decimal.default_error_messages = {"special": "不允许 NaN 或无穷大"}
fields.Date.default_error_messages = {"invalid": "日期无效，格式为 YYYY-MM-DD", "format": "“{input}”无法格式化为日期"}
fields.DateTime.default_error_messages = {
    "invalid": "时间无效", "invalid_awareness": "时间无效（需要时区）", "format": "“{input}”无法格式化为时间",
}
fields.Boolean.default_error_messages = {"invalid": "必须是 true 或 false"}
fields.List.default_error_messages = {"invalid": "必须是列表"}
fields.Nested.default_error_messages = {"type": "必须是对象"}
fields.Email.default_error_messages = {"invalid": "邮箱地址无效"}

for _cls in (validate.Range,):
    _cls.message_min = "必须{min_op} {{min}}"
    _cls.message_max = "必须{max_op} {{max}}"
    _cls.message_all = "必须{min_op} {{min}} 且{max_op} {{max}}"
    _cls.message_gte = "大于或等于"
    _cls.message_gt = "大于"
    _cls.message_lte = "小于或等于"
    _cls.message_lt = "小于"
validate.Length.message_min = "长度不能少于 {min}"
validate.Length.message_max = "长度不能超过 {max}"
validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
validate.Length.message_equal = "长度必须为 {equal}"
validate.OneOf.default_message = "必须是以下之一：{choices}"
validate.Regexp.default_message = "格式不正确"
validate.Email.default_message = "邮箱地址无效"
