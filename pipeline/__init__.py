"""scs-claims: find and fact-check claims about China's Social Credit System in news coverage."""

__version__ = "0.1.0"
