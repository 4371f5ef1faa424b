"""台账导入导出: upload a compound's registry workbook, follow its progress, download template and export."""
