"""账号管理: account administration within the admin's scope (HTML; REST in api.py)."""
