"""The profiling engine's compiled loops (Cython, turned into C at build time); the rest of the package is
declared in pyproject.toml. Kept here rather than in pyproject's ext-modules table, which setuptools still
marks experimental."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("services.processor.engine._kernels", ["services/processor/engine/_kernels.pyx"])])
