"""The learn service: the curriculum map, topics, the dashboard and the progress report."""
