"""DESIGN §2's rules, checked by reading every module's imports and definitions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE_MODULES = {"duckdb", "sqlmodel", "sqlalchemy", "duckdb_engine"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_pages_never_import_the_database():
    pages = [*python_files("pages"), ROOT / "app.py"]
    assert len(pages) > 1, "no pages found: the test would prove nothing"
    offenders = {str(p.relative_to(ROOT)): imported_roots(p) & DATABASE_MODULES for p in pages}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_pages_never_run_sql():
    for page in [*python_files("pages"), ROOT / "app.py"]:
        text = page.read_text(encoding="utf-8")
        for word in (".execute(", ".sql(", "SELECT "):
            assert word not in text, f"{page.relative_to(ROOT)} runs SQL ({word!r}); call analytics/ instead"


def test_core_packages_never_import_streamlit():
    checked = 0
    for folder in ("analytics", "data", "domain", "locales", "reporting"):
        for path in python_files(folder):
            checked += 1
            assert "streamlit" not in imported_roots(path), f"{path.relative_to(ROOT)} imports streamlit"
    assert checked > 5


LAYERS = {"analytics", "data", "domain", "locales", "reporting", "ui", "pages"}
# What each layer may import of the others. DESIGN §2 rule 6 names domain/ (nothing) and data/;
# the rest is the layout's order, so that no layer reaches one above it, even through a third
# (reporting/ importing ui/ would bring streamlit in by the back door).
ALLOWED_BELOW = {
    "domain": set(),
    "locales": set(),
    "data": {"domain", "locales"},
    "analytics": {"domain", "locales", "data"},
    "reporting": {"domain", "locales", "data", "analytics"},
    "ui": {"domain", "locales", "data", "analytics", "reporting"},
    "pages": {"domain", "locales", "analytics", "reporting", "ui"},
}


def test_every_import_is_absolute():
    """The scans here read absolute imports only; a relative one would pass them unseen."""
    files = [p for layer in LAYERS for p in python_files(layer)]
    relative = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level
    ]
    assert len(files) > 50, "no modules found: the test would prove nothing"
    assert relative == []


def test_each_layer_imports_only_the_layers_below_it():
    assert set(ALLOWED_BELOW) == LAYERS
    offenders = {}
    for layer, allowed in ALLOWED_BELOW.items():
        files = python_files(layer)
        assert files, f"no {layer}/ modules: the test would prove nothing"
        for path in files:
            above = imported_roots(path) & (LAYERS - {layer} - allowed)
            if above:
                offenders[str(path.relative_to(ROOT))] = sorted(above)
    assert offenders == {}


PACKAGES = ("analytics", "data", "domain", "locales", "reporting", "ui")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, known: set[str]) -> set[str]:
    """First-party modules the file imports, at module level or inside a function (an import
    inside a function that dodges a cycle is what the cycle test is about)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from package import submodule`` imports the submodule; any other name, the package
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & known
            rest = len(submodules) < len(node.names)
            names = [*submodules, *([node.module] if rest else [])]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def test_no_import_cycles_between_modules():
    paths = {_module_name(p): p for package in PACKAGES for p in python_files(package)}
    graph = {name: _imported_modules(path, set(paths)) - {name} for name, path in paths.items()}
    cycles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                cycles.append([*trail[trail.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert len(graph) > 50, "no modules found: the test would prove nothing"
    assert cycles == [], "\n".join(" → ".join(c) for c in cycles)


def _literal_names(value: ast.expr) -> list[str] | None:
    """The strings of a tuple, list or set literal (or of ``frozenset``/``set``/``tuple`` of one),
    None when the value is anything else or holds anything but strings (and None)."""
    call = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(value.args) == 1
    if call and value.func.id in ("frozenset", "set", "tuple"):
        value = value.args[0]
    if not isinstance(value, ast.Tuple | ast.List | ast.Set) or not value.elts:
        return None
    names = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    others = [e for e in value.elts if not (isinstance(e, ast.Constant) and e.value is None)]
    return names if len(names) == len(others) else None  # None beside the names: "no state yet"


def test_a_vocabulary_is_declared_once_in_domain():
    """Kinds, priorities, statuses, roles, report kinds and states are written out only in
    domain/vocabulary.py; elsewhere a constant made of their names, or two or more of them
    written inline (``state in ("draft", "returned")``), is a second declaration that drifts
    (build a meaningful part with ``domain.vocabulary.subset`` instead)."""
    from domain import vocabulary

    vocabularies = {
        name: set(value)
        for name, value in vars(vocabulary).items()
        if name.isupper() and isinstance(value, tuple)
    }
    assert {"KINDS", "PRIORITIES", "ROLES", "REPORT_STATES"} <= set(vocabularies)
    outside = sorted(LAYERS - {"domain"})
    files = [*(p for layer in outside for p in python_files(layer)), ROOT / "app.py", ROOT / "manage.py"]
    offenders = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                names = set(_literal_names(node.value) or ()) if node.value is not None else set()
            else:
                names = set(_literal_names(node) or ())
                names = names if len(names) > 1 else set()  # one name inline is a use, not a list
            part_of = [name for name, members in vocabularies.items() if names and names <= members]
            if part_of:
                offenders.add(f"{path.relative_to(ROOT)}:{node.lineno} is part of {' or '.join(part_of)}")
    assert len(files) > 50, "no modules found: the test would prove nothing"
    assert sorted(offenders) == []


def _escapes_quotes(node: ast.AST) -> bool:
    """``text.replace("'", "''")`` or ``text.replace('"', '""')``: hand-rolled SQL quoting."""
    if not (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace"
    ):
        return False
    args = [a.value for a in node.args if isinstance(a, ast.Constant)]
    return args in (["'", "''"], ['"', '""'])


def test_values_reach_sql_as_parameters_not_pasted_literals():
    """DESIGN §2 rule 7: analytics/ and data/ bind values as parameters (``data.sql.Params``).
    The old literal helpers (analytics ``lit``/``in_list``, the importers' ``quote``/``literal``)
    stay gone; data/sql.py alone quotes (``quote_ident`` for names, and ``text_literal``, which
    only the import presets' shared SQL fragments may use — its docstring says why)."""
    offenders = []
    files = [*python_files("analytics"), *python_files("data")]
    for path in files:
        where = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"lit", "in_list", "literal", "quote"}:
                offenders.append(f"{where}:{node.lineno} defines {node.name}()")
            if _escapes_quotes(node) and where != Path("data/sql.py"):
                offenders.append(f"{where}:{node.lineno} quotes SQL by hand")
            if (
                isinstance(node, ast.Name | ast.alias)
                and getattr(node, "id", getattr(node, "name", None)) == "text_literal"
                and where.parts[:2] != ("data", "importers")
                and where != Path("data/sql.py")
            ):
                offenders.append(f"{where}:{node.lineno} pastes a value with text_literal")
    assert len(files) > 20, "no modules found: the test would prove nothing"
    assert offenders == []


HANDLE_NAMES = {"con", "cur", "conn", "connection", "db_path", "database_path"}


def test_one_database_handle_passed_keyword_only():
    """DESIGN §2 rule 7: every public function and method of analytics/, data/, reporting/ and
    ui/ that touches the database takes ``data.db.Database`` as the keyword-only ``db``, never a
    connection, a cursor or a path. (The import steps inside one transaction, in data/importers/ and
    data/migrations/, work on that transaction's cursor: data/ alone knows the backend.)"""
    offenders, with_db = [], 0
    for layer in ("analytics", "data", "reporting", "ui"):
        for path in python_files(layer):
            where = path.relative_to(ROOT)
            if where.parts[:2] in {("data", "migrations")} or where == Path("data/db.py"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                    continue
                positional = {a.arg for a in [*node.args.posonlyargs, *node.args.args]}
                keyword = {a.arg for a in node.args.kwonlyargs}
                with_db += "db" in keyword
                if "db" in positional:
                    offenders.append(f"{where}:{node.lineno} {node.name}() takes db positionally")
                if where.parts[:2] != ("data", "importers") and (positional | keyword) & HANDLE_NAMES:
                    offenders.append(f"{where}:{node.lineno} {node.name}() takes a connection or a path")
    assert with_db > 50, "no functions take db: the test would prove nothing"
    assert offenders == []


def test_streamlit_caches_live_in_ui_only():
    """DESIGN §2 rule 5: pages and the layers below hold no Streamlit cache, so that clearing
    the caches after a write (ui/) is complete. functools caches of pure functions of constant
    inputs (calendars, catalogues) are not Streamlit caches and are allowed below ui/."""
    offenders = []
    layers = ("pages", "analytics", "data", "domain", "reporting")
    for path in [ROOT / "app.py", *(p for layer in layers for p in python_files(layer))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"cache_data", "cache_resource"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} uses st.{node.attr}")
    assert offenders == []
