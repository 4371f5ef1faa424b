"""网格与志愿者 pages and API."""
