"""The layers point one way. Each module of ``mlbcore`` belongs to a layer of ``LAYERS``
(bottom first) and imports only from its own layer or those below it, at the top or
inside a function; and the modules import one another without a circle, counting imports
inside functions, which is where a circle hides. An import inside a function is only
there to spare a command's start-up a heavy library, so it points down like any other.
ARCHITECTURE.md describes the same map."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mlbcore"

# (layer, module prefixes), bottom first. A prefix names a module or a package.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "mlbcore.errors",
            "mlbcore.masking",
            "mlbcore.targets",
            "mlbcore.settings",
            "mlbcore.files",
            "mlbcore.processes",
            "mlbcore.faults",
            "mlbcore.clock",
            "mlbcore.thresholds",
            "mlbcore.formatting",
            "mlbcore.parallel",
        ),
    ),
    ("data", ("mlbcore.data", "mlbcore.importers", "mlbcore.db")),
    ("features", ("mlbcore.features", "mlbcore.feature_cache", "mlbcore.health")),
    ("training", ("mlbcore.training",)),
    # Pure: data in, an Altair chart out. Low enough that whoever has a chart can log it.
    ("charts", ("mlbcore.charts",)),
    ("tracking", ("mlbcore.tracking", "mlbcore.pyfunc_model")),
    ("evaluation", ("mlbcore.evaluation", "mlbcore.prediction")),
    ("lifecycle", ("mlbcore.lifecycle", "mlbcore.tuning")),
    ("apps", ("mlbcore.html_report", "mlbcore.notebook", "mlbcore.cli", "mlbcore.bench")),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")


def _imported(module: str, node: ast.AST) -> list[str]:
    """The ``mlbcore`` modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
    else:
        return []
    found = []
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith("mlbcore") and name not in (module, "mlbcore"):
            found.append(name)
    return found


def imports_of(module: str) -> tuple[set[str], set[str]]:
    """(modules imported at the top of ``module``, modules imported inside a function)."""
    tree = ast.parse(MODULES[module].read_text())
    top: set[str] = set()
    for node in tree.body:
        statements = [node]
        if isinstance(node, ast.If):  # ``if TYPE_CHECKING:`` blocks
            statements = [*node.body, *node.orelse]
        for statement in statements:
            top.update(_imported(module, statement))
    everywhere = {name for node in ast.walk(tree) for name in _imported(module, node)}
    return top, everywhere - top


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_layer_or_below(module):
    top, inside = imports_of(module)
    upward = sorted(name for name in top | inside if layer_of(name) > layer_of(module))
    assert not upward, f"{module} ({LAYERS[layer_of(module)][0]}) imports upward: {upward}"


def import_circles() -> list[list[str]]:
    """Every circle of imports between modules (functions' imports included)."""
    graph = {module: set().union(*imports_of(module)) for module in MODULES}
    circles, state, path = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for name in sorted(graph[module]):
            if state.get(name) == "open":
                circles.append([*path[path.index(name) :], name])
            elif name not in state:
                visit(name)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return circles


def test_no_circle_of_imports_even_inside_functions():
    assert import_circles() == []


def test_the_map_catches_an_upward_import():
    # The check itself can fail: training reaching up into tracking is caught.
    assert layer_of("mlbcore.tracking") > layer_of("mlbcore.training.as_of")
    assert layer_of("mlbcore.charts") < layer_of("mlbcore.evaluation.drift")


LONG_MODULE_LINES = 300


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_long_module_says_at_its_top_why(module):
    # A module is read in one sitting; one that grows past ~300 lines says why it stays whole.
    path = MODULES[module]
    if len(path.read_text().splitlines()) <= LONG_MODULE_LINES:
        return
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "over ~300 lines" in docstring.lower(), (
        f"{module} has over {LONG_MODULE_LINES} lines: split it, or say at its top why not "
        "(a docstring paragraph starting 'Over ~300 lines on purpose:')"
    )
