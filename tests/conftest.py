"""Shared pytest configuration. Area fixtures live in each test folder's conftest.py."""
