"""维修资金: the residential special maintenance fund — sub-accounts and their ledger, deposits, use plans,
apportionment, returns and statements."""
