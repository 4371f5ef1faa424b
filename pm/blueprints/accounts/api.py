"""REST API for accounts."""
from pm.blueprints.apiutil import api_blueprint

URL_PREFIX = "/accounts"
blp = api_blueprint("accounts_api", __name__, description="accounts")
