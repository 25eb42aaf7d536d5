"""Helpers shared by the tests: contract checks against the Talon.One specification."""
