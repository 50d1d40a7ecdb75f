"""Edges the mutation run (make mutate, docs/mutation.md) found untested."""
