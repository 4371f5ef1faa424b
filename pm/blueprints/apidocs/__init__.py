"""接口文档: the interactive API documentation (Swagger UI served from the installed package, no CDN)."""
