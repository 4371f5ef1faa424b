"""公告/公示 services: post a notice (other features call post_notice), residents' lists, reads and who has not
read."""
from pm.services.notices.notices import post_notice  # noqa: F401
