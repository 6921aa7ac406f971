"""Sluice: heavy uploads in, profiles out. Shared infrastructure for every service lives here."""
