"""巡查督查: inspections at three levels with findings, and the rectification order queue (整改单)."""
