"""The quiz service: grading every question kind, and scheduling reviews with FSRS."""
