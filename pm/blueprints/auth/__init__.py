"""登录: login, logout, language switch, password change, personal API tokens."""
