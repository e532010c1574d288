"""The exercises service: the learner's workspace and the grader."""
