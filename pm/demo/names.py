"""演示名称: names and values drawn for the demo data: streets, compounds, people, phones, areas, dates."""
from __future__ import annotations

import logging
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from pm.models import (
    RenovationClass,
)

logger = logging.getLogger(__name__)


# -- names --------------------------------------------------------------------------------
STREET_NAMES = (
    "鼓楼街道", "汉源街道", "东湖街道", "龙泉街道", "沛城街道", "大屯街道", "安国街道", "栖山街道",
    "张寨街道", "五段街道", "杨屯街道", "朱寨街道",
)
COMMUNITY_NAMES = (
    "胜利社区", "文化社区", "建设社区", "新华社区", "人民社区", "和平社区", "青年社区", "解放社区",
    "光明社区", "团结社区", "朝阳社区", "幸福社区", "东关社区", "西关社区", "南关社区", "北关社区",
    "汉城社区", "歌风社区", "湖滨社区", "永安社区", "康乐社区", "育才社区", "丰收社区", "振兴社区",
)
COMPOUND_PREFIXES = (
    "鼓楼", "明珠", "鑫达", "阳光", "鑫粮", "子隆", "城市", "紫荆", "江南", "香颂", "新沛", "汉城",
    "龙湖", "金桥", "银河", "翠园", "华兴", "东湖", "西湖", "南苑", "北苑", "富民", "康乐", "安居",
    "和平", "建设", "文化", "振兴", "兴华", "幸福", "锦绣", "丰收", "园林", "东风", "红旗", "胜利",
    "光明", "育才", "教师", "春晖", "滨河", "沿河", "湖滨", "桃园", "梨园", "杏林", "荷花", "牡丹",
    "月季", "银杏", "金色", "世纪", "天成", "嘉禾", "泰和", "永安", "福润", "书香", "御景", "新城",
)
COMPOUND_SUFFIXES = ("小区", "花园", "苑", "园", "新村", "家园", "公寓", "佳苑", "雅居", "名居", "里")
WORK_UNITS = (
    "供电公司", "粮食局", "棉纺厂", "农机厂", "第一中学", "人民医院", "税务局", "化肥厂", "酒厂",
    "供销社", "邮政局", "水利局", "电影公司", "物资局", "建筑公司", "啤酒厂", "食品公司", "交通局",
    "教育局", "纺织厂", "机械厂", "自来水公司", "公路站", "中医院", "实验小学",
)
WORK_UNIT_SUFFIXES = ("家属院", "宿舍", "生活区")
PHASES = ("", "二期", "三期", "四期", "五期", "六期", "七期", "八期")
ROADS = (
    "汉兴路", "解放路", "人民路", "建设路", "中山路", "文化路", "东风路", "胜利路", "湖西路", "沛公路",
    "歌风路", "汤沐路", "正阳路", "香城路", "千秋路", "汉源大道",
)
FIRM_WORDS = ("鑫安", "恒信", "华宇", "金盾", "永泰", "宏达", "安泰", "居易", "佳和", "万家", "德润", "瑞祥")
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤建国志红梅海燕林婷斌波辉鹏宇浩然"
    "子涵欣怡晨阳文博雪梅立新振华春生秋菊德胜永福金花玉珍淑珍广军学军爱华俊杰思远佳琪"
)
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
    "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199",
)
RENOVATION_ITEMS = {
    RenovationClass.BASIC: ("屋面防水", "外墙修缮", "雨污分流改造", "供水管网改造", "道路修复", "楼道照明", "供电线路改造"),
    RenovationClass.IMPROVE: ("停车位施划", "绿化补植", "安防监控", "垃圾分类亭", "非机动车棚", "适老化改造"),
    RenovationClass.UPGRADE: ("加装电梯", "充电桩", "社区养老服务点", "智慧门禁"),
}
# Waterproofing carries a five-year warranty, other works two (建设工程质量管理条例 art. 40).
FIVE_YEAR_WARRANTY = {"屋面防水", "外墙修缮"}


class Names:
    """Deterministic plausible Chinese names and phone numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self) -> str:
        given = self.rng.choice(GIVEN_CHARS)
        if self.rng.random() < 0.7:
            given += self.rng.choice(GIVEN_CHARS)
        return self.rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"0516-8{self.rng.randrange(10**6, 10**7 - 1)}"


def compound_names(rng: random.Random, count: int) -> list[str]:
    bases = [p + s for p in COMPOUND_PREFIXES for s in COMPOUND_SUFFIXES]
    rng.shuffle(bases)
    names = []
    for phase in PHASES:
        for base in bases:
            if len(names) == count:
                return names
            names.append(base + phase)
    raise ValueError(f"cannot name {count} compounds")


def work_unit_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(work unit, compound name) pairs for compounds managed by their work unit (单位自管)."""
    bases = [(u, u + s) for u in WORK_UNITS for s in WORK_UNIT_SUFFIXES]
    rng.shuffle(bases)
    names = []
    for phase in PHASES:
        for unit, base in bases:
            if len(names) == count:
                return names
            names.append((unit, base + phase))
    raise ValueError(f"cannot name {count} work-unit compounds")


def cents(value: int) -> Decimal:
    """Integer hundredths of a square metre as an exact Decimal with two places."""
    return Decimal(value).scaleb(-2).quantize(Decimal("0.01"))


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def ago(now: datetime, days: int = 0, hours: int = 0) -> datetime:
    return now - timedelta(days=days, hours=hours)
