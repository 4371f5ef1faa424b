"""接口文档: the interactive API documentation (Swagger UI served from the installed package, no CDN)."""
from pm.blueprints.apidocs.views import bp

__all__ = ["bp"]
