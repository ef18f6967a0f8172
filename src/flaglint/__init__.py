"""flaglint: static analysis for feature-flag hazards in Python code."""

__version__ = "0.1.0"
__all__ = ["__version__"]
