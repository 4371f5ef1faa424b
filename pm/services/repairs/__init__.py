"""报事报修: repair requests — filing, workflow, deadlines, queue, escalation, portal, metrics (one module each)."""
