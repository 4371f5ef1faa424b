"""认领账号: the public pages where an owner or resident claims their account and resets their password."""
