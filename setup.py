"""Builds the C extensions (the PDQ range index's search, PDQ's dihedral downscale); the rest of the package is
in pyproject.toml."""

from __future__ import annotations

import sys

from setuptools import Extension, setup

# MSVC takes its own flags; everywhere else optimise the loops fully, and never fuse a multiply and an add
# (fused, the float arithmetic of PDQ's downscale would differ between machines).
_COMPILE_ARGS = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]

setup(
    ext_modules=[
        Extension(
            "warden.index._mih",
            sources=["src/warden/index/_mih.c"],
            extra_compile_args=_COMPILE_ARGS,
        ),
        Extension(
            "warden.hashing._dihedral",
            sources=["src/warden/hashing/_dihedral.c"],
            extra_compile_args=_COMPILE_ARGS,
        ),
    ]
)
