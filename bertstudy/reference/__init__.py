"""Readable from-scratch PyTorch implementations: the answer key of every exercise and the engine
of every demo. Each module is one concept, written with the papers' names and shape comments."""
