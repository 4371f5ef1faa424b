"""操作日志: browse the audit trail within the admin's scope (HTML; REST in api.py)."""
