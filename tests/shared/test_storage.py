"""上传文件: content-checked storage under UPLOAD_DIR, rollback of stored files, and the one scoped download."""
from __future__ import annotations

import io
import os

import pytest
from werkzeug.datastructures import FileStorage

from pm.blueprints.files.views import bp as files_bp
from pm.errors import DomainError, NotFound
from pm.models import PhotoStage, PlanDocument, RepairCategory, RepairPhoto, RepairRequest, Role, UsePlan
from pm.services import storage
from tests.factories import make_user, make_world
from tests.factories.files import PNG

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"0" * 32
PHOTO_KIND = "test-repair-photo"
DOCUMENT_KIND = "test-plan-document"


def _file(data: bytes, name: str = "x.png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _read(path: str) -> bytes:
    with open(storage.absolute(path), "rb") as fh:
        return fh.read()


# -- saving -------------------------------------------------------------------------------------------------
def test_image_stored_by_content_not_name(app):
    """A PNG named .jpg is stored as PNG with a random name under the subdirectory; the bytes are kept, and the
    name kept for downloads gets the extension of what the file is."""
    stored = storage.save(_file(PNG, "C:\\photos\\photo.jpg"), "repairs/7")
    assert stored.content_type == "image/png" and stored.path.startswith("repairs/7/") and stored.path.endswith(".png")
    assert "photo" not in stored.path and stored.original_name == "photo.png" and stored.size_bytes == len(PNG)
    assert _read(stored.path) == PNG and len(stored.sha256) == 64


def test_bytes_are_accepted_with_a_name(app):
    """Raw bytes (a generated file, a test) are stored like an upload."""
    stored = storage.save(JPEG, "worklogs/1", filename="现场.jpg")
    assert stored.content_type == "image/jpeg" and stored.original_name == "现场.jpg" and _read(stored.path) == JPEG


@pytest.mark.parametrize("data", [b"GIF89a" + b"0" * 20, b"<html><script>", PDF, b"PK\x03\x04zip"])
def test_non_images_refused_for_photos(app, data):
    """GIF, HTML, PDF and zip are refused where only images are allowed, whatever their name says."""
    with pytest.raises(DomainError, match="不是允许的格式（JPG、PNG、WEBP）"):
        storage.save(_file(data, "x.jpg"), "repairs/1")


def test_webp_photo_and_pdf_document(app):
    """WebP is an image; PDF is accepted where documents are (PDF, JPEG, PNG)."""
    assert storage.save(_file(WEBP, "a.webp"), "repairs/1").content_type == "image/webp"
    doc = storage.save(_file(PDF, "报价.pdf"), "plans/3", allowed=storage.DOCUMENT_TYPES,
                       max_bytes=storage.MAX_DOCUMENT_BYTES)
    assert doc.content_type == "application/pdf" and doc.path.endswith(".pdf")
    with pytest.raises(DomainError):
        storage.save(_file(WEBP, "a.webp"), "plans/3", allowed=storage.DOCUMENT_TYPES)


def test_oversized_empty_and_missing_refused(app):
    """Over the limit, empty, or no file chosen: refused with a message naming the file and the limit."""
    with pytest.raises(DomainError, match="文件“big.jpg”太大（最大 50 B）"):
        storage.save(_file(JPEG + b"0" * 100, "big.jpg"), "repairs/1", max_bytes=50)
    with pytest.raises(DomainError, match="文件“e.png”是空的"):
        storage.save(_file(b"", "e.png"), "repairs/1")
    with pytest.raises(DomainError, match="请选择文件") as err:
        storage.save(FileStorage(stream=io.BytesIO(PNG), filename=""), "repairs/1", field="photo")
    assert list(err.value.fields) == ["photo"]
    assert not os.path.exists(os.path.join(app.config["UPLOAD_DIR"], "repairs"))


@pytest.mark.parametrize("subdir", ["../etc", "/abs", "a/../b", "a//b", "", "a b", "a/"])
def test_subdirectory_must_be_plain(app, subdir):
    """The subdirectory is chosen by code and must be plain path segments."""
    with pytest.raises(ValueError):
        storage.save(PNG, subdir)


def test_save_many_stores_all_or_none(app):
    """A bad file among several leaves none of the good ones on disk."""
    upload_dir = app.config["UPLOAD_DIR"]
    with pytest.raises(DomainError):
        storage.save_many([_file(PNG, "a.png"), _file(JPEG, "b.jpg"), _file(b"GIF89a000", "c.gif")], "logs/1")
    assert not any(files for _dir, _sub, files in os.walk(upload_dir))
    blank_input = FileStorage(stream=io.BytesIO(b""), filename="")
    stored = storage.save_many([_file(PNG), None, blank_input, _file(JPEG)], "logs/1")
    assert [s.content_type for s in stored] == ["image/png", "image/jpeg"]


def test_save_many_counts_what_the_row_already_has(app):
    """At most max_count files per row: the ones it has count too."""
    with pytest.raises(DomainError, match="最多上传 6 张照片"):
        storage.save_many([_file(PNG)] * 2, "repairs/1", already=5)
    assert len(storage.save_many([_file(PNG)], "repairs/1", already=5)) == 1


def test_discard_removes_and_ignores_missing_or_outside(app, tmp_path):
    """discard() deletes stored files, and silently skips gone files, None and paths outside UPLOAD_DIR."""
    stored = storage.save(PNG, "repairs/1")
    outside = tmp_path / "keep.txt"
    outside.write_text("keep")
    storage.discard([stored.path, None, "repairs/1/gone.png", "../keep.txt"])
    assert not os.path.exists(os.path.join(app.config["UPLOAD_DIR"], stored.path)) and outside.exists()


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "repairs/../../x", "", "a\x00b", "..\\x"])
def test_paths_outside_upload_dir_refused(app, path):
    """A stored path cannot name anything outside UPLOAD_DIR."""
    with pytest.raises(NotFound):
        storage.absolute(path)


def test_symlink_out_of_upload_dir_refused(app, tmp_path):
    """A link inside UPLOAD_DIR that points outside it is refused too."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    os.symlink(secret, os.path.join(app.config["UPLOAD_DIR"], "link.png"))
    with pytest.raises(NotFound):
        storage.absolute("link.png")


def test_register_kind_checks_its_arguments(app):
    """A kind is a slug, names existing attributes, and cannot be redefined (re-registering the same is fine)."""
    storage.register_kind(PHOTO_KIND, RepairPhoto, path_attr="path", type_attr="content_type")
    storage.register_kind(PHOTO_KIND, RepairPhoto, path_attr="path", type_attr="content_type")
    with pytest.raises(ValueError):
        storage.register_kind(PHOTO_KIND, RepairPhoto, path_attr="path", type_attr="content_type", name_attr="sha256")
    with pytest.raises(ValueError):
        storage.register_kind("Bad Kind", RepairPhoto, path_attr="path", type_attr="content_type")
    with pytest.raises(ValueError):
        storage.register_kind("test-other", RepairPhoto, path_attr="no_such", type_attr="content_type")
    with pytest.raises(NotFound):
        storage.kind_of("never-registered")


# -- the download endpoint ------------------------------------------------------------------------------------
@pytest.fixture
def served(app, db):
    """A world with a repair photo and a plan document in compound a1, both kinds registered, /files mounted."""
    if "files" not in app.blueprints:
        app.register_blueprint(files_bp)  # until pm/blueprints/__init__.py lists "files"
    storage.register_kind(PHOTO_KIND, RepairPhoto, path_attr="path", type_attr="content_type")
    storage.register_kind(DOCUMENT_KIND, PlanDocument, path_attr="stored_path", type_attr="content_type",
                          name_attr="filename")
    w = make_world()
    compound = w.compounds["a"][0]
    req = RepairRequest(compound_id=compound.id, category=RepairCategory.ROAD, description="路面破损严重")
    db.session.add(req)
    db.session.flush()
    photo = storage.save(PNG, f"repairs/{compound.id}")
    w.photo = RepairPhoto(request_id=req.id, stage=PhotoStage.FILING, path=photo.path, content_type=photo.content_type,
                          size_bytes=photo.size_bytes, sha256=photo.sha256)
    plan = UsePlan(compound_id=compound.id, title="屋面防水", shared_part="屋面", reason="渗漏", budget_fen=100_000)
    db.session.add_all([w.photo, plan])
    db.session.flush()
    doc = storage.save(PDF, f"plans/{plan.id}", allowed=storage.DOCUMENT_TYPES)
    w.document = PlanDocument(plan_id=plan.id, filename="维修合同.pdf", stored_path=doc.path,
                              content_type=doc.content_type, size_bytes=doc.size_bytes)
    db.session.add(w.document)
    w.foreign_manager = make_user(Role.STATION_MANAGER, w.stations["b"], username="manager_b")
    db.session.commit()
    return w


def test_in_scope_user_gets_the_photo_inline(served, client, auth):
    """The station manager of the compound gets the bytes, inline, as an image, never cached."""
    auth.login("manager")
    response = client.get(f"/files/{PHOTO_KIND}/{served.photo.id}")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_out_of_scope_user_gets_404(served, client, auth):
    """Another street's station manager is told the file does not exist."""
    auth.login("manager_b")
    assert client.get(f"/files/{PHOTO_KIND}/{served.photo.id}").status_code == 404


def test_anonymous_is_sent_to_login(served, client):
    """Without a login the endpoint redirects to the login page and sends nothing."""
    response = client.get(f"/files/{PHOTO_KIND}/{served.photo.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_document_is_an_attachment_with_its_original_name(served, client, auth):
    """A kind with a name attribute downloads as an attachment named as uploaded."""
    auth.login("owner")  # owners see their compound's plan documents (公示)
    response = client.get(f"/files/{DOCUMENT_KIND}/{served.document.id}")
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "%E7%BB%B4%E4%BF%AE%E5%90%88%E5%90%8C.pdf" in disposition
    response.close()


def test_traversal_in_a_stored_path_is_refused(served, client, auth, db, app, tmp_path):
    """A row whose stored path points outside UPLOAD_DIR is a 404, even for a user who may see the row."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    rel = os.path.relpath(secret, app.config["UPLOAD_DIR"])
    served.photo.path = rel
    db.session.commit()
    assert rel.startswith("..")
    auth.login("manager")
    response = client.get(f"/files/{PHOTO_KIND}/{served.photo.id}")
    assert response.status_code == 404 and PNG not in response.data


def test_unknown_kind_and_missing_file_are_404(served, client, auth, db, app):
    """An unregistered kind, an unknown id, or a file gone from disk is a 404."""
    auth.login("manager")
    assert client.get(f"/files/no-such-kind/{served.photo.id}").status_code == 404
    assert client.get(f"/files/{PHOTO_KIND}/999999").status_code == 404
    os.remove(storage.absolute(served.photo.path))
    assert client.get(f"/files/{PHOTO_KIND}/{served.photo.id}").status_code == 404


def test_send_guesses_nothing_from_unknown_types(app):
    """A content type the store never writes is sent as an opaque attachment."""
    stored = storage.save(PNG, "repairs/1")
    with app.test_request_context():
        response = storage.send(stored.path, "text/html")
        assert response.mimetype == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment")
        response.close()
