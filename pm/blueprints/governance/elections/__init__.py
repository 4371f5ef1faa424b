"""业主委员会选举: pages and API of owners' committee elections."""
