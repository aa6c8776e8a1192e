"""briefing: French news articles in, podcast-ready audio briefings out."""

__version__ = "0.1.0"
