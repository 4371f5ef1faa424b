"""服务站日常: teams, work logs, the month calendar of missing logs, patrol routes and check-ins."""
