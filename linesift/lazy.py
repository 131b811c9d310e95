"""Package attributes imported on first use (PEP 562's module ``__getattr__``).

The package facade and :mod:`linesift.features` name things whose modules import numpy,
scikit-learn or pandas; importing the package must not, so `import linesift`, the readers,
`linesift --help` and the numpy-only scorer start without them.
"""

from importlib import import_module


def lazy_attributes(package, exports, namespace):
    """``(__getattr__, __dir__)`` for the package `package` whose names in `exports` (name ->
    submodule, relative to the package) are imported when first asked for and then kept in
    `namespace` (the package's ``globals()``)."""

    def __getattr__(name):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
