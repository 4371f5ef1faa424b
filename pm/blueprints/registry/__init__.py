"""台账: the organisation registry (HTML pages; the REST API is in api.py)."""
from pm.blueprints.registry.views import bp

__all__ = ["bp"]
