"""English catalogue (Flask-Babel): complete, placeholder-safe, and actually used when the session asks for English.

The Chinese UI strings are the msgids; pm/translations/en/LC_MESSAGES/messages.po translates them.
Extraction here uses babel.cfg and the keywords of `make messages`, so a string added to the code
without an English translation fails this file until `make messages` is run and the entry translated.
"""
from __future__ import annotations

import re
import shlex
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import session
from flask_babel import ngettext, refresh

from pm.models import Relation, Role
from tests.factories import (
    PASSWORD,
    make_building,
    make_community,
    make_compound,
    make_county,
    make_household,
    make_owner,
    make_person,
    make_resident,
    make_station,
    make_street,
    make_unit,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "pm" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# %(name)s-style and bare %s/%d conversions; %% is a literal percent sign, not a placeholder.
PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")
# Chinese that English text quotes on purpose: the import template's sheet names and cell values,
# which users type or see in the workbook exactly as written.
TYPED_VALUES = {"是", "否", "有", "无", "房屋", "楼栋"}


class InContext(str):
    """A msgid extracted with a context (pgettext): looked up in the catalogue under that context."""
    context: str | None = None

    def __eq__(self, other):
        return str.__eq__(self, other) and getattr(other, "context", None) == self.context

    def __hash__(self):
        return hash((str(self), self.context))


def _in_context(message: str, context: str | None):
    if not context:
        return message
    keyed = InContext(message)
    keyed.context = context
    return keyed


def _makefile_keywords() -> list[str]:
    """The -k keywords the Makefile's `messages` target passes to `pybabel extract`."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if "pybabel" in line and " extract " in line:
            args = shlex.split(line.strip())
            return [args[i + 1] for i, arg in enumerate(args) if arg == "-k"]
    raise AssertionError("the Makefile has no `pybabel extract` line (target `messages`)")


def _extracted_msgids() -> dict[str | tuple[str, ...], str]:
    """Every msgid in pm/ as `make messages` extracts it, with the first place it occurs."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(_makefile_keywords()))
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        if isinstance(message, tuple):  # plural forms: (singular, plural)
            message = tuple(m for m in message if m is not None)
        else:
            message = _in_context(message, context)
        found.setdefault(message, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    """The English catalogue as committed (messages.po)."""
    with open(PO_PATH, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted():
    """The msgids in the code right now."""
    return _extracted_msgids()


def _placeholders(text: str) -> Counter:
    """The placeholders of a string, counted (%(name)s, %s, {name}; not the literal %%)."""
    found = Counter()
    for name, conversion in PERCENT.findall(text):
        if conversion != "%":
            found[f"%({name}){conversion}" if name else f"%{conversion}"] += 1
    for name in BRACE.findall(text):
        found["{" + name + "}"] += 1
    return found


def _strings(value) -> list[str]:
    if isinstance(value, (tuple, list)):
        return [v for v in value if v is not None]
    return [value] if value is not None else []


def test_extraction_scans_only_the_application(extracted):
    """Extraction finds the UI's strings, and only in pm/ (never .venv/, tests/ or migrations/)."""
    assert len(extracted) > 100
    outside = [where for where in extracted.values() if not where.replace("\\", "/").startswith("pm/")]
    assert not outside, outside[:5]
    assert "登录" in extracted


def test_every_extracted_msgid_has_an_english_translation(catalog, extracted):
    """Every msgid in the code has a non-empty, non-fuzzy English msgstr (run `make messages`, then translate)."""
    problems = []
    for msgid, where in extracted.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(str(key), context=getattr(msgid, "context", None))
        if message is None:
            problems.append(f"{where}: missing from messages.po: {key!r}")
        elif message.fuzzy:
            problems.append(f"{where}: fuzzy (check the translation, then drop the flag): {key!r}")
        elif not all(s.strip() for s in _strings(message.string)) or not _strings(message.string):
            problems.append(f"{where}: untranslated: {key!r}")
    assert not problems, "\n".join(problems)


def test_catalogue_is_not_marked_fuzzy(catalog):
    """The catalogue header is not fuzzy (a fuzzy catalogue is skipped by `pybabel compile`)."""
    assert not catalog.fuzzy


def test_translations_are_english(catalog):
    """No msgstr is left in Chinese: Han characters appear only where a value must be typed as written."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        for text in _strings(message.string):
            leftover = set(HAN.findall(text)) - TYPED_VALUES
            if leftover:
                problems.append(f"{message.id!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_placeholders_in_msgstr_match_msgid(catalog):
    """Each msgstr keeps exactly the msgid's placeholders (%(name)s, %s, {name}); nothing is lost or invented."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        expected = _placeholders(_strings(message.id)[0])
        for text in _strings(message.string):
            if _placeholders(text) != expected:
                problems.append(f"{message.id!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_msgstr_formats_like_its_msgid(catalog):
    """Formatting a msgstr with the msgid's arguments works (templates always %-format, so a stray % would break)."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        msgid = _strings(message.id)[0]
        names = {name for name, conv in PERCENT.findall(msgid) if name and conv != "%"}
        args = {name: 1 for name in names}
        for text in _strings(message.string):
            try:
                text % args
            except (TypeError, ValueError, KeyError) as err:
                problems.append(f"{message.id!r} -> {text!r}: {err}")
    assert not problems, "\n".join(problems)


def test_babel_checks_pass(catalog):
    """Babel's own catalogue checks (python-format consistency, plural forms) report nothing."""
    errors = [(message.id, [str(e) for e in errs]) for message, errs in catalog.check()]
    assert not errors, errors


def _english(client) -> None:
    client.post("/auth/lang/en", data={"next": "/auth/login"})


def _han_outside_switch(html: str) -> list[str]:
    """Chinese left on a page, apart from the "中文" language switch and quoted template values."""
    return [h for h in HAN.findall(html.replace(">中文</button>", "></button>")) if h not in TYPED_VALUES]


def test_login_page_in_english(client):
    """With the session language English, the login page says "Log in" and has no Chinese but the "中文" switch."""
    _english(client)
    html = client.get("/auth/login").get_data(as_text=True)
    assert "Log in" in html and 'lang="en"' in html
    assert ">中文</button>" in html
    assert HAN.findall(html.replace(">中文</button>", "></button>")) == []


def test_switching_back_to_chinese(client):
    """Switching back to 中文 shows the Chinese UI again."""
    _english(client)
    client.post("/auth/lang/zh_CN", data={"next": "/auth/login"})
    html = client.get("/auth/login").get_data(as_text=True)
    assert "登录" in html and "Log in" not in html


def _ascii_world(db):
    """A county whose every name is ASCII, so any Chinese on an English page is untranslated UI text."""
    county = make_county(name="Testshire")
    street = make_street(county, name="North Street")
    community = make_community(street, name="Elm Community")
    compound = make_compound(community, name="Oak Court", address="1 Oak Road")
    unit = make_unit(make_building(compound, name="B1"), name="U1")
    household = make_household(unit, room_no="101", area_m2=Decimal("65.50"))
    owner = make_person(name="Ann Lee", phone="13900000001")
    make_owner(household, owner, started_on=date(2010, 1, 1))
    make_resident(household, make_person(name="Bob Lee", phone="13900000002"), relation=Relation.FAMILY)
    make_station(community, [compound], name="Station One")
    admin = make_user(Role.COUNTY_ADMIN, county, username="admin1", display_name="Admin One")
    owner_user = make_user(Role.OWNER, owner, username="owner1", display_name="Ann Lee")
    db.session.commit()
    return {"compound": compound, "household": household, "person": owner, "admin": admin, "owner": owner_user,
            "street": street, "community": community, "building": unit.building_id}


ADMIN_PAGES = [
    "/dashboard",
    "/registry/",
    "/registry/search?q=Lee",
    "/registry/compounds/{compound}",
    "/registry/compounds/{compound}/edit",
    "/registry/compounds/new",
    "/registry/buildings/{building}",
    "/registry/households/{household}",
    "/registry/households/{household}/edit",
    "/registry/compounds/{compound}/households/new",
    "/registry/persons/{person}",
    "/registry/streets/new",
    "/accounts/",
    "/accounts/new",
    "/audit/",
    "/imports/",
    "/auth/password",
    "/auth/tokens",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_in_english(client, db, auth, path):
    """Signed in as a county admin with English chosen, each page renders without Chinese UI text."""
    world = _ascii_world(db)
    ids = {k: getattr(v, "id", v) for k, v in world.items()}
    assert auth.login("admin1", PASSWORD).status_code == 302
    _english(client)
    resp = client.get(path.format(**ids))
    assert resp.status_code == 200
    assert _han_outside_switch(resp.get_data(as_text=True)) == []


def test_owner_dashboard_in_english(client, db, auth):
    """An owner's dashboard (my home) shows no Chinese UI text in English."""
    _ascii_world(db)
    assert auth.login("owner1", PASSWORD).status_code == 302
    _english(client)
    for path in ("/dashboard", "/registry/mine"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert _han_outside_switch(resp.get_data(as_text=True)) == [], path


def test_error_page_in_english(client):
    """A page that does not exist answers 404 with an English message when English is chosen."""
    _english(client)
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert _han_outside_switch(resp.get_data(as_text=True)) == []


COUNTED_PLURAL = re.compile(r"%\((?:n|num|count)\)[sd] (?:more )?(?:households|repairs|checkpoints|issues|owners|compounds)\b")


def test_counts_of_things_use_plural_forms(catalog):
    """"1 households" cannot happen: an English count of households, repairs, checkpoints or issues is an
    ngettext entry with a singular form, never a plain msgstr."""
    plain = [m.id for m in catalog if m.id and not m.pluralizable and isinstance(m.string, str)
             and COUNTED_PLURAL.search(m.string)]
    assert not plain, plain


def test_one_household_is_singular(app):
    """ngettext picks the English singular for one household and the plural for two."""
    with app.test_request_context("/"):
        session["lang"] = "en"
        refresh()
        assert ngettext("共 %(num)d 户", "共 %(num)d 户", 1) == "1 household"
        assert ngettext("共 %(num)d 户", "共 %(num)d 户", 2) == "2 households"


OWNER_PAGES = ["/repairs/", "/repairs/new", "/plans/", "/notifications/", "/plans/987654"]


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_owner_pages_in_english(client, db, auth, path):
    """An owner's phone pages (repairs, plans, bell, a missing plan's 404) in English, in large-text mode,
    show no Chinese UI text and no internal class names."""
    _ascii_world(db)
    assert auth.login("owner1", PASSWORD).status_code == 302
    _english(client)
    client.post("/auth/text-size", data={"size": "large", "next": "/dashboard"})
    resp = client.get(path)
    html = resp.get_data(as_text=True)
    assert resp.status_code in (200, 404) and 'class="large-text"' in html
    assert _han_outside_switch(html) == [], path
    assert "UsePlan" not in html
