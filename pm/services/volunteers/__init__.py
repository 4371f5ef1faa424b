"""网格与志愿者 services: grids, the volunteer register, hours and the yearly tally."""
