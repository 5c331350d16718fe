"""Packaging for apivideo. The version lives in apivideo/_version.py only."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "apivideo" / "_version.py").read_text()).group(1)
REQUIRES = [line.strip() for line in (HERE / "requirements.txt").read_text().splitlines() if line.strip()]
DEV = [
    "pytest>=7",
    "hypothesis>=6.50",
    "mypy>=1.8",
    "ruff>=0.4",
    "PyYAML>=6",
    "openapi-core>=0.19",
    "openapi-schema-validator>=0.6",
    "werkzeug>=2",
    "typing_extensions>=4.6",
    "types-python-dateutil",
]

setup(
    name="apivideo",
    version=VERSION,
    description="Python SDK for the api.video video API: typed, streaming uploads, retries, and a local emulator",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=find_packages(include=["apivideo", "apivideo.*"]),
    package_data={"apivideo": ["py.typed"]},
    install_requires=REQUIRES,
    extras_require={"test": DEV, "dev": DEV},
    entry_points={"console_scripts": ["apivideo=apivideo.cli:main"]},
    classifiers=[
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Typing :: Typed",
        "Topic :: Multimedia :: Video",
    ],
)
