"""以区养区 pages and API."""
