"""登录: login, logout, language switch, password change, personal API tokens."""
from pm.blueprints.auth.views import bp

__all__ = ["bp"]
