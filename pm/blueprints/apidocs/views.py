"""API 文档: the docs page at /api/v1/docs and the Swagger UI files it loads, both served by this app."""
# flask-smorest's own Swagger page loads Swagger UI from a CDN with an inline script; ours loads the files
# of the swagger_ui_bundle package from this server and starts Swagger UI from static/js/swagger-init.js,
# so the page works offline and under the CSP (no inline script or style). No token is needed to read it.
from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("apidocs", __name__, url_prefix="/api/v1")


# Only the files the page needs; source maps and templates of the package are not served.
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "favicon-16x16.png"})


@bp.route("/docs", endpoint="docs")
def docs():
    """The interactive documentation of /api/v1 (Swagger UI)."""
    return render_template("apidocs/docs.html")


@bp.route("/docs/assets/<path:filename>", endpoint="asset")
def asset(filename: str):
    """A Swagger UI file from the installed swagger_ui_bundle package."""
    if filename not in ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
