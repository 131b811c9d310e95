"""Saved linesift models, one directory each; installed as ``linesift.models``, whose package
data is the shipped ``default`` model (found through ``importlib.resources``)."""
