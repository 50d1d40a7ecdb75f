"""The built-in demo feed: plausible, deterministic actuals for every commitment of the catalogue."""
