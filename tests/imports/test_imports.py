"""台账导入导出 service: validation of every row, all-or-nothing writes, idempotence, export round trip."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pm.access import scope_for
from pm.tasks import imports as import_tasks
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db as database
from pm.models import (
    AuditLog,
    Building,
    Household,
    HouseholdStatus,
    ImportJob,
    ImportStatus,
    Ownership,
    OwnershipEnd,
    Person,
    Role,
    Unit,
)
from pm.services.imports import exporting, jobs, layout, planning, reading, snapshot
from pm.services.imports import messages as m
from pm.timeutil import local_today
from tests.factories import (
    make_building,
    make_compound,
    make_household,
    make_owner,
    make_person,
    make_unit,
    make_world,
)
from tests.factories.imports import (
    BUILDING_HEADERS,
    GOOD,
    HEADERS,
    csv_bytes,
    row,
    xlsx,
)


def dry_run(app, user, compound, data: bytes, filename="台账.xlsx") -> ImportJob:
    """Upload and run an import's dry run as `user` (inline, as tests configure): a PLANNED or REJECTED job."""
    upload = FileStorage(stream=io.BytesIO(data), filename=filename)
    job = jobs.create_job(compound.id, upload, actor=user, scope=scope_for(user),
                          upload_dir=app.config["UPLOAD_DIR"], max_running=app.config["IMPORT_MAX_RUNNING"])
    database.session.commit()
    import_tasks.run_job(job.id)
    database.session.expire_all()
    return database.session.get(ImportJob, job.id)


def run(app, user, compound, data: bytes, filename="台账.xlsx") -> ImportJob:
    """Dry run, then confirm and write as `user` when the plan is clean; return the finished job."""
    job = dry_run(app, user, compound, data, filename)
    if job.status != ImportStatus.PLANNED:
        return job
    jobs.confirm(job.id, scope=scope_for(user), actor=user, max_running=app.config["IMPORT_MAX_RUNNING"])
    database.session.commit()
    import_tasks.run_job(job.id)
    database.session.expire_all()
    return database.session.get(ImportJob, job.id)


def snapshot_rows(db, compound):
    """Every household and ownership row of a compound, for before/after comparisons."""
    households = db.session.execute(
        select(Household.id, Household.building_id, Household.unit_id, Household.room_no, Household.floor,
               Household.area_m2, Household.is_sold_public_housing, Household.note, Household.updated_at)
        .where(Household.compound_id == compound.id).order_by(Household.id)
    ).all()
    ownerships = db.session.execute(
        select(Ownership.id, Ownership.household_id, Ownership.person_id, Ownership.started_on, Ownership.ended_on,
               Ownership.end_reason)
        .join(Household, Household.id == Ownership.household_id)
        .where(Household.compound_id == compound.id).order_by(Ownership.id)
    ).all()
    buildings = db.session.execute(
        select(Building.id, Building.name, Building.floors, Building.has_elevator)
        .where(Building.compound_id == compound.id).order_by(Building.id)
    ).all()
    units = db.session.execute(
        select(Unit.id, Unit.name).where(Unit.compound_id == compound.id).order_by(Unit.id)
    ).all()
    return households, ownerships, buildings, units


@pytest.fixture
def world(app, db):
    """The two-street world; side a's users act."""
    return make_world()


@pytest.fixture
def manager(world):
    """Station a's manager."""
    return world.users[Role.STATION_MANAGER]


@pytest.fixture
def empty_compound(world, db):
    """A compound of station a with no buildings yet."""
    compound = make_compound(world.communities["a"], name="新导入小区")
    world.stations["a"].compounds.append(compound)
    db.session.commit()
    return compound


def test_template_examples_are_never_imported(app, db, manager, empty_compound):
    """The unedited template, uploaded into a compound that really has 1号楼 1单元 101, changes nothing: its
    example rows are marked (示例 column, grey) and skipped, and the file is refused for holding no data."""
    data = layout.template_workbook()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["房屋", "楼栋", "说明"]
    assert [c.value for c in book["房屋"][1]] == HEADERS + ["示例"]
    assert [c.value for c in book["楼栋"][1]] == BUILDING_HEADERS + ["示例"]
    assert book["房屋"]["K2"].value == layout.EXAMPLE_MARK and book["房屋"]["A2"].font.i
    compound = empty_compound
    unit = make_unit(make_building(compound, name="1号楼", floors=18, has_elevator=True), name="1单元")
    real = make_household(unit, room_no="101", floor=1, area_m2=Decimal("88.00"))
    make_owner(real, make_person(name="真业主", phone="13800000000"))
    db.session.commit()
    before = snapshot_rows(db, compound)
    job = run(app, manager, compound, data)
    assert job.status == ImportStatus.REJECTED
    assert [(e["sheet"], e["message"]) for e in job.errors] == [("房屋", m.E_ONLY_EXAMPLES)]
    assert snapshot_rows(db, compound) == before


def test_template_example_skipped_even_without_its_marker(app, db, manager, empty_compound):
    """Real rows added below the example import; the example is skipped (also when the 示例 column was deleted,
    by its content), and the plan says how many example rows it skipped."""
    book = load_workbook(io.BytesIO(layout.template_workbook()))
    book["房屋"].append(row("2号楼", "1单元", "201", 2, "70.00", "否", "赵六", "13900000066"))
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(app, manager, empty_compound, buffer.getvalue())
    assert job.status == ImportStatus.DONE, job.errors
    assert job.counts["households_created"] == 1 and job.counts["examples_skipped"] == 2
    assert db.session.scalar(select(func.count(Building.id)).where(Building.compound_id == empty_compound.id)) == 1
    book["房屋"].delete_cols(11)
    book["楼栋"].delete_rows(2)
    buffer = io.BytesIO()
    book.save(buffer)
    tables = reading.read_file(_stored(app, buffer.getvalue()), max_rows=100, max_bytes=10**7)
    assert tables["房屋"].examples == [2] and [n for n, _v in tables["房屋"].rows] == [3]


def _stored(app, data: bytes) -> str:
    path = f"{app.config['UPLOAD_DIR']}/stored-{len(data)}.xlsx"
    with open(path, "wb") as fh:
        fh.write(data)
    return path


@pytest.mark.postgres
def test_valid_file_imports_with_counts(app, db, manager, empty_compound):
    """A valid file creates buildings, units, households and owners, and reports the counts."""
    job = run(app, manager, empty_compound, xlsx(GOOD, [["1号楼", 6, "有"]]))
    assert job.status == ImportStatus.DONE, job.errors
    assert job.counts == {
        "buildings_created": 2, "buildings_updated": 0, "units_created": 2, "households_created": 3,
        "households_updated": 0, "households_unchanged": 0, "owners_added": 2, "owners_changed": 0,
        "examples_skipped": 0,
    }
    assert job.processed_rows == job.total_rows == 4
    b1 = db.session.scalar(select(Building).where(Building.compound_id == empty_compound.id, Building.name == "1号楼"))
    assert (b1.floors, b1.has_elevator) == (6, True)
    h102 = db.session.scalar(
        select(Household).where(Household.room_no == "102", Household.compound_id == empty_compound.id)
    )
    assert (h102.floor, h102.area_m2, h102.is_sold_public_housing, h102.note) == (1, Decimal("70.25"), True, "东户")
    current = db.session.execute(
        select(Person.name, Person.phone, Ownership.started_on).join(Ownership, Ownership.person_id == Person.id)
        .where(Ownership.household_id == h102.id, Ownership.ended_on.is_(None)).order_by(Person.name)
    ).all()
    assert sorted(current) == [("李四", "13900000002", date(2011, 1, 2)), ("王五", "13900000003", date(2011, 1, 2))]
    summary = db.session.scalars(select(AuditLog).where(AuditLog.action == "registry.import")).all()
    assert len(summary) == 1 and summary[0].changes["households_created"] == 3
    assert summary[0].compound_id == empty_compound.id


@pytest.mark.postgres
def test_reimport_changes_nothing(app, db, manager, empty_compound):
    """Importing the same file again changes no row; only the import summary is audited."""
    data = xlsx(GOOD, [["1号楼", 6, "有"]])
    assert run(app, manager, empty_compound, data).status == ImportStatus.DONE
    before = snapshot_rows(db, empty_compound)
    persons = db.session.scalar(select(func.count(Person.id)))
    audits = db.session.scalar(select(func.count(AuditLog.id)))
    job = run(app, manager, empty_compound, data)
    assert job.status == ImportStatus.DONE
    assert job.counts["households_unchanged"] == 3
    assert sum(v for k, v in job.counts.items() if k != "households_unchanged") == 0
    assert snapshot_rows(db, empty_compound) == before
    assert db.session.scalar(select(func.count(Person.id))) == persons
    assert db.session.scalar(select(func.count(AuditLog.id))) == audits + 1


@pytest.mark.postgres
def test_one_bad_row_imports_nothing(app, db, manager, empty_compound):
    """One bad row among good ones rejects the file: nothing is written, the error says where and why."""
    rows = [*GOOD, row("3号楼", "1单元", "301", 3, "-5")]
    job = run(app, manager, empty_compound, xlsx(rows))
    assert job.status == ImportStatus.REJECTED
    assert job.errors == [{"sheet": "房屋", "row": 5, "column": "建筑面积(㎡)", "message": m.E_AREA_POSITIVE,
                           "params": {}}]
    assert jobs.error_count(job) == 1
    assert db.session.scalar(select(func.count(Household.id)).where(Household.compound_id == empty_compound.id)) == 0
    assert db.session.scalar(select(func.count(Building.id)).where(Building.compound_id == empty_compound.id)) == 0
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "registry.import")) == 0


BAD_CELLS = [
    ({"room": ""}, "房号", m.E_REQUIRED),
    ({"building": None}, "楼栋", m.E_REQUIRED),
    ({"floor": None}, "楼层", m.E_REQUIRED),
    ({"area": "abc"}, "建筑面积(㎡)", m.E_NOT_NUMBER),
    ({"area": "0"}, "建筑面积(㎡)", m.E_AREA_POSITIVE),
    ({"area": "-12.5"}, "建筑面积(㎡)", m.E_AREA_POSITIVE),
    ({"area": "65.123"}, "建筑面积(㎡)", m.E_AREA_DECIMALS),
    ({"area": 65.125}, "建筑面积(㎡)", m.E_AREA_DECIMALS),
    ({"floor": "二楼"}, "楼层", m.E_NOT_INTEGER),
    ({"floor": 2.5}, "楼层", m.E_NOT_INTEGER),
    ({"floor": 121}, "楼层", m.E_FLOOR_RANGE),
    ({"floor": -6}, "楼层", m.E_FLOOR_RANGE),
    ({"sold": "也许"}, "房改房(是/否)", m.E_YES_NO),
    ({"registered": "2010-13-01"}, "产权登记日期", m.E_BAD_DATE),
    ({"registered": "去年"}, "产权登记日期", m.E_BAD_DATE),
    ({"names": "张三、李四", "phones": "13900000001"}, "业主电话", m.E_COUNT_MISMATCH),
    ({"names": "张三", "phones": "12ab"}, "业主电话", m.E_BAD_PHONE),
    ({"names": "", "phones": "13900000001"}, "业主电话", m.E_PHONE_WITHOUT_NAME),
    ({"names": "张三、张三"}, "业主姓名", m.E_DUP_OWNER),
    ({"names": "张" * 65}, "业主姓名", m.E_TOO_LONG),
    ({"room": "1" * 21}, "房号", m.E_TOO_LONG),
    ({"note": "很" * 201}, "备注", m.E_TOO_LONG),
]


@pytest.mark.parametrize(("overrides", "column", "message"), BAD_CELLS)
def test_bad_cell_is_reported(app, db, manager, empty_compound, overrides, column, message):
    """Each kind of bad cell is an error on its sheet, row and column, and nothing is imported."""
    values = dict(zip(["building", "unit", "room", "floor", "area", "sold", "names", "phones", "registered", "note"],
                      row("1号楼", "1单元", "103")))
    values.update(overrides)
    job = run(app, manager, empty_compound, xlsx([GOOD[0], list(values.values())]))
    assert job.status == ImportStatus.REJECTED
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in job.errors] == [("房屋", 3, column, message)]
    assert db.session.scalar(select(func.count(Household.id)).where(Household.compound_id == empty_compound.id)) == 0


def test_future_date_is_refused(app, db, manager, empty_compound):
    """A registration date after today is an error."""
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    job = run(app, manager, empty_compound, xlsx([row(names="张三", registered=tomorrow)]))
    assert [(e["column"], e["message"]) for e in job.errors] == [("产权登记日期", m.E_FUTURE_DATE)]


def test_duplicate_room_in_file(app, db, manager, empty_compound):
    """The same building, unit and room twice in one file is an error on the second row, naming the first."""
    job = run(app, manager, empty_compound, xlsx([row(room="101"), row(room="102"), row(room="101", floor=2)]))
    assert job.errors == [{"sheet": "房屋", "row": 4, "column": "房号", "message": m.E_DUP_ROOM,
                           "params": {"first": 2}}]


def test_floor_above_building_floors(app, db, manager, empty_compound):
    """A floor above the 层数 given in the 楼栋 sheet (or already registered) is an error."""
    job = run(app, manager, empty_compound, xlsx([row(floor=7)], [["1号楼", 6, "无"]]))
    assert job.errors == [{"sheet": "房屋", "row": 2, "column": "楼层", "message": m.E_FLOOR_ABOVE,
                           "params": {"floors": 6}}]
    make_building(empty_compound, name="2号楼", floors=5)
    db.session.commit()
    job = run(app, manager, empty_compound, xlsx([row(building="2号楼", floor=6)]))
    assert [e["params"] for e in job.errors] == [{"floors": 5}]


@pytest.mark.parametrize(("buildings", "column", "message"), [
    ([["1号楼", 0, "无"]], "层数", m.E_FLOORS_RANGE),
    ([["1号楼", "六", "无"]], "层数", m.E_NOT_INTEGER),
    ([["1号楼", 6, "可能"]], "电梯(有/无)", m.E_HAS_NOT),
    ([["1号楼", 6, "无"], ["1号楼", 5, "无"]], "楼栋", m.E_DUP_BUILDING),
])
def test_bad_building_row(app, db, manager, empty_compound, buildings, column, message):
    """Bad 楼栋 rows are errors on the 楼栋 sheet."""
    job = run(app, manager, empty_compound, xlsx([row()], buildings))
    assert job.status == ImportStatus.REJECTED
    assert [(e["sheet"], e["column"], e["message"]) for e in job.errors] == [("楼栋", column, message)]


def test_lower_floors_than_registered_household(app, db, manager, world):
    """层数 may not drop below a registered household's floor that the file does not move."""
    compound = world.compounds["a"][0]
    unit = db.session.scalar(select(Unit).where(Unit.compound_id == compound.id))
    make_household(unit, room_no="601", floor=6)
    db.session.commit()
    job = run(app, manager, compound, xlsx([row(room="101")], [["1号楼", 5, "无"]]))
    assert [(e["sheet"], e["row"], e["column"], e["params"]) for e in job.errors] == [("楼栋", 2, "层数", {"floor": 6})]


def test_too_many_rows(app, db, manager, empty_compound):
    """More data rows than IMPORT_MAX_ROWS is refused before validation."""
    app.config["IMPORT_MAX_ROWS"] = 3
    job = run(app, manager, empty_compound, xlsx([row(room=str(100 + i)) for i in range(4)]))
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["message"], e["params"]) for e in job.errors] == [(5, m.E_TOO_MANY_ROWS, {"max": 3})]


def test_missing_sheet(app, db, manager, empty_compound):
    """A workbook without a 房屋 sheet is refused, naming the sheet."""
    job = run(app, manager, empty_compound, xlsx([row()], sheet="Sheet1"))
    assert [(e["sheet"], e["message"]) for e in job.errors] == [("房屋", m.E_MISSING_SHEET)]


def test_missing_header(app, db, manager, empty_compound):
    """A 房屋 sheet without a required column is refused, naming the column."""
    headers = [h for h in HEADERS if h != "建筑面积(㎡)"]
    data = xlsx([[v for i, v in enumerate(row()) if i != 4]], headers=headers)
    job = run(app, manager, empty_compound, data)
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in job.errors] == [
        ("房屋", 1, "建筑面积(㎡)", m.E_MISSING_HEADER)
    ]


def test_headers_found_below_title_and_in_any_order(app, db, manager, empty_compound):
    """A title line above the header row and reordered or full-width-bracket headers are accepted."""
    book = Workbook()
    ws = book.active
    ws.title = "房屋"
    ws.append(["某某小区台账（2024年）"])
    order = [9, 0, 1, 2, 3, 4, 5, 6, 7, 8]
    ws.append([HEADERS[i].replace("(", "（").replace(")", "）") for i in order])
    values = row(note="备")
    ws.append([values[i] for i in order])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(app, manager, empty_compound, buffer.getvalue())
    assert job.status == ImportStatus.DONE, job.errors
    assert db.session.scalar(select(Household.note).where(Household.compound_id == empty_compound.id)) == "备"


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"this is not a workbook", "台账.xlsx", m.E_CORRUPT),
    (b"PK\x03\x04garbage-after-a-zip-signature", "台账.xlsx", m.E_CORRUPT),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "台账.xlsx", m.E_XLS),
    ("楼栋,单元\r\n".encode("utf-16"), "台账.csv", m.E_ENCODING),
])
def test_unreadable_file(app, db, manager, empty_compound, data, filename, message):
    """Corrupt, old-format or undecodable files are rejected with a file-level error."""
    job = run(app, manager, empty_compound, data, filename)
    assert job.status == ImportStatus.REJECTED
    assert [(e["sheet"], e["row"], e["message"]) for e in job.errors] == [(None, None, message)]


def test_zip_that_is_not_a_workbook(app, db, manager, empty_compound):
    """A zip archive that is not an xlsx workbook is a corrupt file, not a 500."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    job = run(app, manager, empty_compound, buffer.getvalue())
    assert [e["message"] for e in job.errors] == [m.E_CORRUPT]


@pytest.mark.parametrize("filename", ["台账.txt", "台账.xls", "台账"])
def test_other_file_types_refused_at_upload(app, db, manager, empty_compound, filename):
    """Only .xlsx and .csv are accepted; nothing is stored for another type."""
    upload = FileStorage(stream=io.BytesIO(b"x"), filename=filename)
    with pytest.raises(DomainError) as err:
        jobs.create_job(empty_compound.id, upload, actor=manager, scope=scope_for(manager),
                           upload_dir=app.config["UPLOAD_DIR"], max_running=9)
    assert "file" in err.value.fields
    assert db.session.scalar(select(func.count(ImportJob.id))) == 0


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_csv_encodings(app, db, manager, empty_compound, encoding, bom):
    """CSV in UTF-8 (with or without BOM) and GB18030/GBK imports the same data."""
    job = run(app, manager, empty_compound, csv_bytes(GOOD, encoding, bom=bom), "台账.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert job.counts["households_created"] == 3
    names = db.session.scalars(select(Person.name).order_by(Person.name)).all()
    assert {"张三", "李四", "王五"} <= set(names)


def test_csv_error_rows_are_numbered_like_excel(app, db, manager, empty_compound):
    """A bad CSV row is reported on the 房屋 sheet with its line number."""
    job = run(app, manager, empty_compound, csv_bytes([GOOD[0], row(room="9", area="x")]), "台账.csv")
    assert [(e["sheet"], e["row"], e["column"]) for e in job.errors] == [("房屋", 3, "建筑面积(㎡)")]


@pytest.mark.postgres
def test_owner_change_is_recorded_as_history(app, db, manager, world):
    """Different owners end the current ownership as a correction on the given date and start the new one."""
    compound = world.compounds["a"][0]
    household = world.households["a"][0]  # 1号楼 1单元 101, owned by a业主 since 2010-01-01
    old = db.session.scalar(select(Ownership).where(Ownership.household_id == household.id))
    area = str(household.area_m2)
    job = run(app, manager, compound, xlsx([row(room="101", area=area, names="赵六", phones="13800000006",
                                                registered="2020-06-01")]))
    assert job.status == ImportStatus.DONE, job.errors
    assert job.counts["owners_changed"] == 1 and job.counts["households_updated"] == 1
    db.session.refresh(old)
    assert (old.ended_on, old.end_reason) == (date(2020, 6, 1), OwnershipEnd.CORRECTION)
    new = db.session.execute(
        select(Person.name, Ownership.started_on).join(Person, Person.id == Ownership.person_id)
        .where(Ownership.household_id == household.id, Ownership.ended_on.is_(None))
    ).all()
    assert new == [("赵六", date(2020, 6, 1))]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "ownership.correct"))
    assert entry.object_id == household.id and entry.changes["from"] == [old.person_id]


def test_owner_change_before_current_start_is_an_error(app, db, manager, world):
    """New owners may not start before the current owners' start: a row error, nothing written."""
    compound = world.compounds["a"][0]
    household = world.households["a"][0]
    job = run(app, manager, compound, xlsx([row(room="101", area=str(household.area_m2), names="赵六",
                                                registered="2009-12-31")]))
    assert job.status == ImportStatus.REJECTED
    assert job.errors == [{"sheet": "房屋", "row": 2, "column": "产权登记日期", "message": m.E_OWNER_DATE_EARLY,
                           "params": {"date": "2010-01-01"}}]
    assert db.session.scalar(select(func.count(Ownership.id)).where(Ownership.ended_on.is_not(None))) == 0


def test_owners_without_phones_compare_by_name(app, db, manager, world):
    """A row naming the current owner without a phone leaves the registered owner (and phone) alone."""
    compound = world.compounds["a"][0]
    household = world.households["a"][0]
    job = run(app, manager, compound, xlsx([row(room="101", area=str(household.area_m2), names="a业主")]))
    assert job.counts["households_unchanged"] == 1 and job.counts["owners_changed"] == 0


@pytest.mark.postgres
def test_same_owner_is_one_person(app, db, manager, world, empty_compound):
    """One name and phone is one person: across rows, and reusing a person already registered elsewhere."""
    existing = world.persons["a"]["owner"]  # owns a home in another compound
    rows = [row(room="101", names="周七", phones="13600000007"), row(room="102", names="周七", phones="13600000007"),
            row(room="103", names=existing.name, phones=existing.phone)]
    job = run(app, manager, empty_compound, xlsx(rows))
    assert job.status == ImportStatus.DONE, job.errors
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name == "周七")) == 1
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name == existing.name)) == 1
    assert db.session.scalar(select(func.count(Ownership.id)).where(Ownership.person_id == existing.id)) == 2


def test_area_change_is_audited_per_household(app, db, manager, world):
    """An area change updates the household and writes an audit row with old and new area."""
    compound = world.compounds["a"][0]
    household = world.households["a"][1]  # 102, no owner
    job = run(app, manager, compound, xlsx([row(room="102", area="70.01", floor=1)]))
    assert job.counts["households_updated"] == 1
    db.session.refresh(household)
    assert household.area_m2 == Decimal("70.01")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "household.update"))
    assert entry.object_id == household.id
    assert entry.changes == {"area_m2": ["65.50", "70.01"]}
    assert entry.actor_id == manager.id


def test_demolished_household_cannot_change(app, db, manager, world):
    """A demolished household in the file may not be changed."""
    compound = world.compounds["a"][0]
    household = world.households["a"][1]
    household.status = HouseholdStatus.DEMOLISHED
    db.session.commit()
    job = run(app, manager, compound, xlsx([row(room="102", area="70.00")]))
    assert [(e["column"], e["message"]) for e in job.errors] == [("房号", m.E_DEMOLISHED)]


@pytest.mark.postgres
def test_export_then_import_is_a_no_op(app, db, manager, world):
    """A compound's export, imported back, changes nothing (co-owners, phoneless owners, notes included)."""
    compound = world.compounds["a"][0]
    unit = make_unit(make_building(compound, name="10号楼", floors=None), name="2单元")
    h1 = make_household(unit, room_no="0301", floor=3, area_m2=Decimal("90.10"), is_sold_public_housing=True,
                        note="东边")
    make_owner(h1, make_person(name="钱一", phone="13700000001"), started_on=date(2015, 3, 1))
    make_owner(h1, make_person(name="钱二", phone=None), started_on=date(2016, 3, 1))
    h2 = make_household(unit, room_no="302", floor=3, area_m2=Decimal("88.00"))
    make_owner(h2, make_person(name="孙三", phone=None))
    db.session.commit()
    _compound, data = exporting.export_workbook(compound.id, actor=manager, scope=scope_for(manager))
    sheet = load_workbook(io.BytesIO(data))["房屋"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2, values_only=False)]
    assert ["10号楼", "2单元", "0301", 3, 90.1, "是", "钱一、钱二", "13700000001、", "2016-03-01", "东边"] in rows
    before = snapshot_rows(db, compound)
    job = run(app, manager, compound, data)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.counts["households_unchanged"] == 4
    assert snapshot_rows(db, compound) == before


def test_export_and_import_respect_scope(app, db, world, manager):
    """A station manager cannot import into or export another station's compound; an owner cannot at all."""
    foreign = world.compounds["b"][0]
    upload = FileStorage(stream=io.BytesIO(xlsx([row()])), filename="a.xlsx")
    with pytest.raises(NotFound):
        jobs.create_job(foreign.id, upload, actor=manager, scope=scope_for(manager),
                           upload_dir=app.config["UPLOAD_DIR"], max_running=9)
    with pytest.raises(NotFound):
        exporting.export_workbook(foreign.id, actor=manager, scope=scope_for(manager))
    own = world.compounds["a"][0]
    owner = world.users[Role.OWNER]
    with pytest.raises(Forbidden):
        jobs.create_job(own.id, upload, actor=owner, scope=scope_for(owner), upload_dir=app.config["UPLOAD_DIR"],
                        max_running=9)
    with pytest.raises(Forbidden):
        exporting.export_workbook(own.id, actor=owner, scope=scope_for(owner))


def test_job_fails_cleanly_when_user_lost_scope(app, db, world, manager):
    """If the uploader no longer sees the compound when the job runs, it fails and writes nothing."""
    compound = make_compound(world.communities["a"], name="临时小区")
    world.stations["a"].compounds.append(compound)
    db.session.commit()
    upload = FileStorage(stream=io.BytesIO(xlsx([row()])), filename="a.xlsx")
    job = jobs.create_job(compound.id, upload, actor=manager, scope=scope_for(manager),
                             upload_dir=app.config["UPLOAD_DIR"], max_running=9)
    world.stations["a"].compounds.remove(compound)
    db.session.commit()
    import_tasks.run_job(job.id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.FAILED and job.message
    assert db.session.scalar(select(func.count(Household.id)).where(Household.compound_id == compound.id)) == 0


def test_validation_reports_progress(app, db, manager, empty_compound):
    """The validation phase reports progress every 200 rows (the browser polls it)."""
    rows = [row(building=f"{i // 100 + 1}号楼", room=str(1000 + i)) for i in range(450)]
    tables = {"房屋": reading.Table("房屋", {k: (i, h) for i, (k, h) in enumerate(layout.HOUSEHOLD_COLUMNS)},
                                   [(n + 2, tuple(v)) for n, v in enumerate(rows)])}
    seen = []
    snap = snapshot.load_snapshot(empty_compound, scope_for(manager))
    _plan, errors = planning.validate(tables, snap, today=local_today(), progress=seen.append)
    assert errors == []
    assert seen == [200, 400, 450]


@pytest.mark.postgres
def test_large_import_finishes(app, db, manager, empty_compound):
    """A 5,000-row workbook imports in one go (bulk writes, no per-row queries)."""
    rows = [
        row(f"{i // 200 + 1}号楼", f"{i // 50 % 4 + 1}单元", f"{i % 50 // 2 + 1}0{i % 2 + 1}", i % 50 // 2 + 1,
            "65.50", "否", f"业主{i}", f"139{i:08d}", "2012-01-01", "")
        for i in range(5000)
    ]
    job = run(app, manager, empty_compound, xlsx(rows))
    assert job.status == ImportStatus.DONE, job.errors[:3] if job.errors else job.message
    assert job.counts["households_created"] == 5000
    assert job.counts["buildings_created"] == 25 and job.counts["units_created"] == 100
    assert db.session.scalar(
        select(func.count(Ownership.id)).join(Household, Household.id == Ownership.household_id)
        .where(Household.compound_id == empty_compound.id)
    ) == 5000
