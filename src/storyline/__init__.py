"""storyline: a sourced, dated timeline of events from a pile of news articles."""

__version__ = "0.1.0"
