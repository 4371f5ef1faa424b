"""plans blueprint (HTML): 维修资金使用方案; the REST API is in api.py."""
