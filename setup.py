"""The optional compiled kernels (linesift/_ckernels.pyx); everything else is in pyproject.toml.

`optional=True`: where no C compiler is found the install goes on, and linesift runs its numpy
kernels instead (slower, same results)."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize(
    [Extension("linesift._ckernels", ["linesift/_ckernels.pyx"], optional=True)],
    compiler_directives={"language_level": "3"}))
