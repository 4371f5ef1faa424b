"""REST API for statements."""
from pm.blueprints.apiutil import api_blueprint

URL_PREFIX = ""
blp = api_blueprint("statements_api", __name__, description="statements")
