"""Kept for tools that still call ``setup.py``; the whole build configuration is in pyproject.toml."""

from setuptools import setup

setup()
