"""Domain services: plain functions that flush but never commit, and raise DomainError."""
