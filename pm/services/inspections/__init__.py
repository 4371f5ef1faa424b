"""巡查督查与整改: inspections with findings (inspections.py) and rectification orders (rectification.py)."""
