"""台账: the organisation registry (HTML pages; the REST API is in api.py)."""
