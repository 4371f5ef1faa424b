"""接口文档: the interactive API documentation (Swagger UI served from the installed package, no CDN)."""
from flask import Blueprint

bp = Blueprint("apidocs", __name__, url_prefix="/api/v1")

from pm.blueprints.apidocs import views  # noqa: E402,F401
