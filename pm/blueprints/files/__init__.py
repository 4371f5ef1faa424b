"""文件下载: the one scoped download endpoint for stored uploads (/files/<kind>/<id>)."""
