"""Blueprints: one package per domain with views (HTML) and api (REST)."""
from __future__ import annotations

import importlib

from flask import Flask

from pm.extensions import api, csrf

# HTML blueprints: each package's views module defines `bp` (the package itself holds only its docstring).
HTML = ["auth", "dashboard", "registry", "accounts", "audit", "imports", "apidocs", "notifications", "fund.ledger",
        "fund.plans", "fund.statements", "stations", "inspections", "repairs", "files", "claims", "surveys", "jobs",
        "motions", "meetings", "notices", "volunteers", "commonincome", "governance", "governance.elections",
        "fund.policy", "assessments", "assessment_results", "repairimports"]
# REST blueprints (flask-smorest), each module exposes `blp`, or a list BLUEPRINTS (one OpenAPI tag each).
REST = ["pm.blueprints.registry.api", "pm.blueprints.accounts.api", "pm.blueprints.audit.api", "pm.blueprints.fund.ledger.api",
        "pm.blueprints.fund.plans.api", "pm.blueprints.fund.statements.api", "pm.blueprints.stations.api",
        "pm.blueprints.inspections.api", "pm.blueprints.repairs.api", "pm.blueprints.notifications.api",
        "pm.blueprints.imports.api", "pm.blueprints.surveys.api", "pm.blueprints.jobs.api",
        "pm.blueprints.motions.api", "pm.blueprints.meetings.api", "pm.blueprints.notices.api",
        "pm.blueprints.volunteers.api", "pm.blueprints.commonincome.api",
        "pm.blueprints.governance.api", "pm.blueprints.governance.elections.api",
        "pm.blueprints.accounts.tokens_api",
        "pm.blueprints.fund.policy.api", "pm.blueprints.files.api",
        "pm.blueprints.stations.teams_api", "pm.blueprints.repairs.admin_api",
        "pm.blueprints.registry.tree_api", "pm.blueprints.assessments.api",
        "pm.blueprints.assessment_results.api",
        "pm.blueprints.fund.integration.api", "pm.blueprints.repairimports.api"]


def register_all(app: Flask) -> None:
    for name in HTML:
        module = importlib.import_module(f"pm.blueprints.{name}.views")
        app.register_blueprint(module.bp)
    for dotted in REST:
        module = importlib.import_module(dotted)
        for blp in getattr(module, "BLUEPRINTS", None) or [module.blp]:
            # The API authenticates with bearer tokens only (no cookies), so CSRF does not apply.
            csrf.exempt(blp)
            api.register_blueprint(blp, url_prefix=f"/api/v1{module.URL_PREFIX}")
