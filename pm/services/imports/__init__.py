"""台账导入导出 by stage: layout (template), reading, cells and validating, snapshot and planning, writing, exporting, jobs."""
