"""账号服务: logins (an account is a login; the fund side is a sub-account): login, passwords, users, tokens."""
