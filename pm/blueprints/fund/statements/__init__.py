"""statements blueprint (HTML); the REST API is in api.py."""
