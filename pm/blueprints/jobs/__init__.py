"""定时任务运行记录 pages and API."""
