"""维修资金对接 API: bank deposits by address, statement uploads, reconciliation reads, lists, migration imports."""
