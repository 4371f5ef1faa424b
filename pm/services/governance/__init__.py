"""四位一体 governance: the four bodies of a compound and their members' terms (bodies), the one firm name behind
stations (firms), the county's policy (policy), coverage of the long-term mechanism (coverage, coverage_sheets),
owners' committee elections (elections, election_count) and term reminders (reminders)."""
