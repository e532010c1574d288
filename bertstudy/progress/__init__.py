"""The learner's state: one SQLite file in the user data directory."""
