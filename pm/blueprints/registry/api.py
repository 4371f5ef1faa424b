"""REST API for registry."""
from pm.blueprints.apiutil import api_blueprint

URL_PREFIX = "/registry"
blp = api_blueprint("registry_api", __name__, description="registry")
