"""业主表决事项: owner motions and elevator unit consent (views: HTML, api: REST)."""
