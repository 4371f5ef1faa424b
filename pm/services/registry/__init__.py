"""台账服务: the tree, compounds, buildings, households and the people in them (see each module)."""
