"""维修资金: the residential special maintenance fund (住宅专项维修资金), one module per concern."""
# access (scope rules, capabilities), policy (the county's FundPolicy), ledger (the one posting primitive),
# rates (交存标准), deposits (dues, 房改房 terms, 开户), payments (交存录入, 冲正), subaccounts (分户账 reads),
# arrears (追缴, 续交), overview (per-compound totals), bank (银行流水导入), returns (收益分配), demolition (灭失),
# statements and statement_xlsx (年度公示, 对账单), apportion (分摊), plans (使用方案).
