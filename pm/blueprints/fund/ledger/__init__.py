"""维修资金 blueprint (HTML pages under /funds); the REST API is in api.py."""
