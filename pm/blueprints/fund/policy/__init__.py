"""本县资金使用规则 (the county's fund policy, versioned by effective date): page under /funds/policy and REST API."""
