"""联席会议 pages and API."""
