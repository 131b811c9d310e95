"""The floors of the code import only downward (README, "How the code is laid out").

Every import in every module, at module level or inside a function, is resolved to the module
it names; a module of a floor may import modules of its own floor and of the floors below,
never of a floor above.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = {"linesift": ROOT / "linesift", "linesift.annotate": ROOT / "annotate",
                "linesift.train": ROOT / "train", "linesift.models": ROOT / "models"}
FLOORS = [
    ["linesift._kernels", "linesift._ckernels"],
    ["linesift.errors", "linesift.lazy", "linesift.logs", "linesift.labels", "linesift.lines", "linesift.pages", "linesift.frame",
     "linesift.formats"],
    ["linesift.columns"],
    ["linesift.features"],
    ["linesift.scorer"],
    ["linesift.classifier", "linesift.adapter", "linesift.recipe"],
    ["linesift.model", "linesift.card", "linesift.models"],
    ["linesift.sift"],
    ["linesift.run", "linesift.explain", "linesift.datatrove"],
    ["linesift.train", "linesift.annotate"],
    ["linesift.cli"],
]


def floor_of(module):
    """The floor of a linesift module (by its longest listed prefix), None outside linesift."""
    best = None
    for level, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (level, len(prefix))
    return None if best is None else best[0]


def modules():
    """(module name, path) of every module of the installed packages."""
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join([package, *parts]), path


def imported(module, path):
    """The modules `module` imports, each with the line of its import: for ``from X import
    y``, X, and X.y too (it may name a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def test_every_floor_imports_only_floors_below_it():
    upward = []
    for module, path in modules():
        own = floor_of(module)
        if module == "linesift":  # the package facade: floor-2 names, the rest imported lazily
            continue
        assert own is not None, f"{module} is on no floor: add it to FLOORS and the README"
        for name, line in imported(module, path):
            target = floor_of(name)
            if target is not None and target > own:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {name}")
    assert not upward, "imports from a floor above:\n" + "\n".join(upward)


def test_only_the_cli_imports_train_and_annotate():
    for module, path in modules():
        if module == "linesift" or floor_of(module) >= floor_of("linesift.train"):
            continue
        for name, line in imported(module, path):
            assert not name.startswith(("linesift.train", "linesift.annotate", "train",
                                        "annotate")), f"{path}:{line} imports {name}"


def test_the_checker_sees_an_upward_import(tmp_path):
    fake = tmp_path / "classifier.py"
    fake.write_text("from .run.job import filter_inputs\n\ndef f():\n    from .sift import load\n")
    found = {name for name, _ in imported("linesift.classifier", fake)}
    assert {"linesift.run.job", "linesift.sift"} <= found
    assert all(floor_of(name) > floor_of("linesift.classifier") for name in found)


def _import_graph():
    """Module -> the linesift modules it imports, at module level or inside a function (a
    package's own ``__init__`` and the ``linesift`` facade left out: they re-export)."""
    found = dict(modules())

    def resolve(name):
        while name and name not in found:
            name = name.rpartition(".")[0]
        return name

    graph = {module: set() for module in found}
    for module, path in found.items():
        for name, _ in imported(module, path):
            target = resolve(name)
            if target and target not in (module, "linesift") \
                    and not module.startswith(target + "."):
                graph[module].add(target)
    return graph


def _cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_even_through_imports_inside_functions():
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_annotate_and_train_never_import_each_other():
    """Only the CLI wires them (serve gets its train function from it)."""
    for module, targets in _import_graph().items():
        for own, other in (("linesift.annotate", "linesift.train"),
                           ("linesift.train", "linesift.annotate")):
            if module.startswith(own):
                assert not any(t.startswith(other) for t in targets), (module, targets)


HEAVY = {"sklearn", "scipy", "pandas", "pyarrow", "joblib", "skops", "matplotlib", "dask",
         "distributed", "threadpoolctl", "charset_normalizer", "warcio", "label_studio_sdk",
         "datatrove", "concurrent", "multiprocessing"}
"""Libraries a function may import on first use: heavy or optional ones (and the process-pool
machinery, set up only for --jobs)."""
DEFERRED = {
    "linesift.cli": "each command imports what it runs when it runs: `linesift --help` and "
                    "`filter` start without the rest (tests/test_lazy_imports.py)",
    "linesift.formats": "the readers of formats not in use are not imported",
    "linesift.recipe": "the CLI reads the recipe's values for its help without scikit-learn",
    "linesift.sift": "a model with the compact scorer filters without scikit-learn or pandas; "
                     "the feature steps are imported for a model scored through its pipeline",
    "linesift": "the facade: Sifter and load import scikit-learn on first use",
}
"""Modules that import linesift modules inside functions, and why."""


def _imports_inside_functions(path):
    """(line, module) of every import inside a function of the file at `path`."""
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    yield node.lineno, node.names[0].name
                elif isinstance(node, ast.ImportFrom):
                    yield node.lineno, "." * node.level + (node.module or "")


def test_imports_inside_functions_are_only_heavy_libraries_or_a_deferral_said_why():
    found = []
    for module, path in modules():
        deferring = any(module == m or module.startswith(m + ".") for m in DEFERRED
                        if m != "linesift") or module == "linesift"
        for line, name in _imports_inside_functions(path):
            own = name.startswith(".") or name.split(".")[0] == "linesift"
            if name.split(".")[0] in HEAVY or (own and deferring):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line}: imports {name} inside a function")
    assert not found, "\n".join(found)
