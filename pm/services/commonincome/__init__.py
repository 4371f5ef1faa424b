"""以区养区 services: common-part income and its uses, per compound and period, and crediting it to the fund."""
