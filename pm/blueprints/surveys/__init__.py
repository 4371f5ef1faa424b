"""群众满意度测评 pages and API."""
