"""Builds the C extension behind the PDQ range index; the rest of the package is in pyproject.toml."""

from __future__ import annotations

import sys

from setuptools import Extension, setup

# MSVC takes its own flags; everywhere else optimise the search loops fully.
_COMPILE_ARGS = [] if sys.platform == "win32" else ["-O3"]

setup(
    ext_modules=[
        Extension(
            "warden.index._mih",
            sources=["src/warden/index/_mih.c"],
            extra_compile_args=_COMPILE_ARGS,
        )
    ]
)
