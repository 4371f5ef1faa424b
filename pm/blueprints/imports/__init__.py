"""台账导入导出: upload a compound's registry workbook, follow its progress, download template and export."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports")

from pm.blueprints.imports import views  # noqa: E402,F401
