"""The content model: the schema of topics, questions and exercises, and loading YAML packs."""
