"""REST API for audit."""
from pm.blueprints.apiutil import api_blueprint

URL_PREFIX = "/audit"
blp = api_blueprint("audit_api", __name__, description="audit")
