"""维修资金 pages and API: sub-accounts and the cashier (ledger), use plans and votes (plans), statements."""
