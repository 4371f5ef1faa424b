"""Notice attachments through the API (multipart): the author's notice only, checked by content like the page,
none stored on a bad file, served by the scoped download to the notice's readers only."""
from __future__ import annotations

import io
import os

from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import NoticeAttachment, Role
from pm.services import storage
from pm.services.notices import post_notice
from tests.asserts import assert_error
from tests.factories import make_user
from tests.factories.files import PNG

PDF = b"%PDF-1.4\n" + b"0" * 100


def _file(data: bytes, name: str):
    return (io.BytesIO(data), name)


def _stored(app) -> int:
    return sum(len(files) for _d, _s, files in os.walk(app.config["UPLOAD_DIR"]))


def test_api_notice_attachments(app, world, api, db, monkeypatch):
    manager = world.users[Role.STATION_MANAGER]
    notice = post_notice(manager, scope=scope_for(manager), compound_id=world.compounds["a"][0].id, title="停水通知")
    db.session.commit()
    url = f"/api/v1/notices/{notice.id}/attachments"
    author = api(manager)
    monkeypatch.setattr(storage, "MAX_DOCUMENT_BYTES", 1000)
    for files in ([_file(b"MZ\x90\x00binary", "a.pdf")], [_file(PNG, "a.png"), _file(b"%PDF-" + b"0" * 1000, "b.pdf")],
                  [_file(PNG, f"{i}.png") for i in range(7)], []):
        bad = author.post(url, data={"files": files}, content_type="multipart/form-data")
        assert_error(bad, 422)
        assert "files" in bad.get_json()["errors"]["json"]
    assert db.session.scalar(select(func.count(NoticeAttachment.id))) == 0 and _stored(app) == 0
    # another poster of the same compound, an owner, a foreign official: refused, nothing stored
    assert api(world.users[Role.COMMUNITY_WORKER]).post(url, data={"files": [_file(PNG, "a.png")]},
                                                        content_type="multipart/form-data").status_code == 403
    assert api(world.users[Role.OWNER]).post(url, data={"files": [_file(PNG, "a.png")]},
                                             content_type="multipart/form-data").status_code == 403
    outsider = make_user(Role.COMMUNITY_WORKER, world.communities["b"])
    db.session.commit()
    assert api(outsider).post(url, data={"files": [_file(PNG, "a.png")]},
                              content_type="multipart/form-data").status_code == 404
    assert db.session.scalar(select(func.count(NoticeAttachment.id))) == 0 and _stored(app) == 0
    resp = author.post(url, data={"files": [_file(PDF, "停水范围.pdf")]}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    [stored] = resp.get_json()["attachments"]
    assert stored["content_type"] == "application/pdf"
    got = api(world.users[Role.OWNER]).get(stored["url"])
    assert got.status_code == 200 and got.data == PDF
    got.close()
    assert_error(api(outsider).get(stored["url"]), 404)
