"""文件下载: the one scoped download endpoint for stored uploads (/files/<kind>/<id>)."""
from flask import Blueprint

bp = Blueprint("files", __name__, url_prefix="/files")

from pm.blueprints.files import views  # noqa: E402,F401
