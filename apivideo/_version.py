"""The SDK version, kept in one place (read by setup.py and sent in AV-Origin-Client)."""

__version__ = "1.5.0"
