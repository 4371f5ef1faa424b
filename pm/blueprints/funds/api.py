"""REST API for funds."""
from pm.blueprints.apiutil import api_blueprint

URL_PREFIX = ""
blp = api_blueprint("funds_api", __name__, description="funds")
