"""公告 pages and API."""
