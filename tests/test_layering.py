"""The apps are layers: each imports only from the apps below it, findings from none."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. rectify (settings, URLs, shared helpers) is beside them all.
LAYERS = ["findings", "accounts", "sheets", "ledger", "reports", "oversight", "archive", "demo"]


def modules_of(app):
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def imported_apps(path):
    """{(app, line)} of the project apps that the module at `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names}
    return {(app, line) for app, line in found if app in LAYERS}


def registry_lookups(path):
    """Lines that fetch a model or an app from the registry instead of importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("get_model", "get_app_config")
    ]


def test_each_app_imports_only_from_the_apps_below_it():
    upward = []
    for level, app in enumerate(LAYERS):
        above = set(LAYERS[level + 1 :])
        for path in modules_of(app):
            for imported, line in sorted(imported_apps(path)):
                if imported in above:
                    upward.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert upward == []


def test_findings_imports_no_other_app_and_reaches_into_none_through_the_registry():
    modules = modules_of("findings")
    assert ROOT / "findings" / "models.py" in modules
    assert {app for path in modules for app, _line in imported_apps(path)} <= {"findings"}
    assert {str(path.relative_to(ROOT)): registry_lookups(path) for path in modules} == {
        str(path.relative_to(ROOT)): [] for path in modules
    }


def test_the_scan_sees_an_import_from_above(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import ledger.models\nfrom sheets.reader import read_ledger\nfrom . import models\n"
        "from django.apps import apps\napps.get_model('ledger', 'Entry')\n",
        encoding="utf-8",
    )
    assert imported_apps(module) == {("ledger", 1), ("sheets", 2)}
    assert registry_lookups(module) == [5]
