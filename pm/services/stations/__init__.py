"""服务站日常: the four teams (teams.py), daily work logs (worklogs.py) and patrols (patrols.py)."""
