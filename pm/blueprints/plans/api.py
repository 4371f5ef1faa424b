"""REST API for plans."""
from pm.blueprints.apiutil import api_blueprint

URL_PREFIX = ""
blp = api_blueprint("plans_api", __name__, description="plans")
