"""工作台: the landing page of every role."""
from pm.blueprints.dashboard.views import bp

__all__ = ["bp"]
