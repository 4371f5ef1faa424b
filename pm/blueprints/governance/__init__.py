"""四位一体 governance: bodies and members, coverage of the long-term mechanism, owners' committee elections."""
