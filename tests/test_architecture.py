"""The shape of the package: one error root, no import circles, layers imported downwards.

See ``docs/architecture.md`` for the layers and why they are in this order.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import geo
from geo.errors import TenglongError

GEO = Path(geo.__file__).resolve().parent
SKIP_IMPORT = {"geo.io._worker", "geo.io._worker_formats", "geo.cli.__main__"}  # sandbox; CLI


def _modules() -> list[str]:
    names = ["geo"]
    for info in pkgutil.walk_packages([str(GEO)], prefix="geo."):
        names.append(info.name)
    return sorted(n for n in names if n not in SKIP_IMPORT)


def test_every_error_class_has_the_tenglong_root() -> None:
    """Every exception class defined in ``geo`` subclasses :class:`TenglongError`."""
    strays = []
    for name in _modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == name
                and not issubclass(obj, TenglongError)
            ):
                strays.append(f"{name}.{attr}")
    assert strays == [], f"error classes outside the TenglongError root: {strays}"


# ---------------------------------------------------------------------------
# Import direction
# ---------------------------------------------------------------------------

LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "geo",
        "geo.settings",
        "geo.errors",
        "geo.crs",
        "geo.codes",
        "geo.schema",
        "geo.access",
        "geo.cells",
        "geo.gdal",
        "geo.sharing",
        "geo.jsassets",
    ),
    ("geo.validate", "geo.basemaps", "geo.grid", "geo.district"),
    ("geo.workspace", "geo.workspace_new", "geo.store", "geo.dataset"),
    (
        "geo.release",
        "geo.layout",
        "geo.capacity",
        "geo.control",
        "geo.soil",
        "geo.lifecycle",
        "geo.proximity",
        "geo.benefit",
        "geo.checks",
        "geo.siting",
        "geo.editing",
        "geo.supply",
        "geo.supervision",
    ),
    ("geo.engine",),
    ("geo.layers", "geo.render", "geo.io", "geo.export", "geo.demo", "geo.viewport"),
    ("geo.cli", "geo.app"),
)
"""The layers of ``docs/architecture.md``, bottom to top: a module imports its own
layer's modules or lower ones, never a higher layer."""


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(GEO.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _unit(module: str) -> str:
    """The unit a module belongs to: ``geo.store.gpkg`` → ``geo.store``."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _layer(module: str) -> int:
    unit = _unit(module)
    for n, units in enumerate(LAYERS):
        if unit in units:
            return n
    raise AssertionError(f"{module}: in no layer of LAYERS; add it to tests/test_architecture.py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every ``geo`` import, also inside functions, not TYPE_CHECKING ones."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(sub) for sub in ast.walk(node))
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            out += [
                (node.lineno, a.name)
                for a in node.names
                if a.name == "geo" or a.name.startswith("geo.")
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name == "geo":
                out += [(node.lineno, f"geo.{a.name}") for a in node.names]
            elif name.startswith("geo."):
                out.append((node.lineno, name))
    return out


def _sources() -> list[Path]:
    return sorted(p for p in GEO.rglob("*.py") if _module_of(p) not in SKIP_IMPORT)


def test_layers_import_downwards_only() -> None:
    """No module imports a layer above its own (the rule that keeps circles out)."""
    upward = []
    for path in _sources():
        own = _layer(_module_of(path))
        for line, target in _imports(path):
            if _unit(target) != _unit(_module_of(path)) and _layer(target) > own:
                upward.append(f"{path.relative_to(GEO.parent)}:{line} imports {target}")
    assert upward == [], "imports against the layer order:\n" + "\n".join(upward)


def test_no_import_circle_between_modules() -> None:
    """The module graph (package ``__init__`` re-exports aside) has no cycle."""
    graph: dict[str, set[str]] = {}
    for path in _sources():
        mod = _module_of(path)
        if path.name == "__init__.py":
            continue  # a package re-exporting its own modules is not a circle
        graph[mod] = {t for _, t in _imports(path) if t != mod}
    known = set(graph)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    edges = {m: {r for t in ts if (r := resolve(t)) and r != m} for m, ts in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            pytest.fail("import circle: " + " -> ".join(cycle))


def test_only_settings_reads_the_environment() -> None:
    """``os.environ`` and ``os.getenv`` appear only in ``geo/settings.py`` (and the sandbox)."""
    allowed = {"geo.settings", "geo.io.sandbox"}
    readers = []
    for path in _sources():
        if _module_of(path) in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                readers.append(f"{path.relative_to(GEO.parent)}:{node.lineno}")
    assert readers == [], f"read the environment through geo.settings: {readers}"


# ---------------------------------------------------------------------------
# Module size
# ---------------------------------------------------------------------------

MAX_MODULE_LINES = 800
"""No module under ``geo/`` is longer: split a longer one along its sections into
sibling modules, re-exported from the original (docs/architecture.md §2)."""

LONG_MODULES_ALLOWED = {}
"""Modules allowed over :data:`MAX_MODULE_LINES` for now, each with the reason."""


def test_no_module_is_over_800_lines() -> None:
    """Every module under ``geo/`` has at most :data:`MAX_MODULE_LINES` lines."""
    long = []
    for path in sorted(GEO.rglob("*.py")):
        name = path.relative_to(GEO.parent).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES and name not in LONG_MODULES_ALLOWED:
            long.append(f"{name} ({lines} lines)")
    assert long == [], f"modules over {MAX_MODULE_LINES} lines, split them: {', '.join(long)}"


# ---------------------------------------------------------------------------
# The command line starts light
# ---------------------------------------------------------------------------


def test_command_table_matches_the_commands() -> None:
    """``COMMANDS``' one-line help is the first paragraph of each command's own help."""
    import typer

    from geo.cli import COMMANDS, load_command

    for name, entry in COMMANDS.items():
        target = load_command(name)
        doc = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
        first = " ".join((doc or "").split("\n\n")[0].split())
        assert entry.short_help == first, name


def test_help_imports_no_data_library() -> None:
    """``tenglong --help`` lists every command without importing pandas, geopandas or GDAL."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from geo.cli import main\n"
        "sys.argv = ['tenglong', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'geopandas', 'pyogrio', 'shapely', 'pyproj') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    from geo.cli import COMMANDS

    assert all(name in out for name in COMMANDS), out
    assert "HEAVY []" in out, out


def test_section_references_resolve() -> None:
    """Every ``docs/architecture.md §N`` cited in the code is a section of that page."""
    import re

    page = (GEO.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## §(\d+)", page, flags=re.M))
    cited = []
    for path in [*GEO.rglob("*.py"), *(GEO.parent / "bench").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text, f"{path}: cite docs/architecture.md"
        cited += [(path.name, n) for n in re.findall(r"architecture\.md §(\d+)", text)]
    assert cited, "the code cites docs/architecture.md"
    missing = [c for c in cited if c[1] not in sections]
    assert missing == [], f"sections not in docs/architecture.md: {missing}"
