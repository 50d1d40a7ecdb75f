"""The Chinese status site and its JSON API: what agencies, editors and the public read."""
