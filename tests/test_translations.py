"""Every interface string has its Chinese: zh-hans is the interface's first language.

Each message that the code and the templates mark for translation is looked up in the
catalogs Django merges at run time (the project's, the apps', Django's own and the
libraries'). A message missing there is shown in English to a Chinese user, on whatever
page or in whatever state uses it, and no page test may happen to render that state.
This found a link on the dashboard added without its entry, and a hand-written entry
spelled with `{{ n }}` where blocktranslate looks the message up as `%(n)s`.
"""

import ast
import re
from pathlib import Path

from django.conf import settings
from django.utils.translation import templatize, trans_real

ROOT = Path(settings.BASE_DIR)
APPS = ["rectify", "accounts", "findings", "ledger", "reports", "oversight", "sheets", "archive"]
# The translation functions as the code imports them (`_` is gettext or gettext_lazy).
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}
# templatize writes each message as a Python call with unicode literals.
LITERAL = r"""u(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATE_CALL = re.compile(rf"\b(n?p?gettext)\(((?:\s*{LITERAL}\s*,?)+)")


def _key(function, strings):
    """The catalog key of a call's message: gettext's for its kind of call."""
    if function in SINGULAR:
        return strings[0]
    if function in PLURAL:
        return (strings[0], 0)
    if function in CONTEXT:
        return f"{strings[0]}\x04{strings[1]}"
    return (f"{strings[0]}\x04{strings[1]}", 0)


def _arity(function):
    return 1 if function in SINGULAR else 2


def python_messages():
    """(place, catalog key) of every translation call with literal text in the apps."""
    names = SINGULAR | PLURAL | CONTEXT | CONTEXT_PLURAL
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # a migration's verbose names are never shown
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in names:
                    continue
                strings = [
                    arg.value
                    for arg in node.args[: _arity(name)]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ]
                if len(strings) == _arity(name):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", _key(name, strings)


def template_messages():
    """(place, catalog key) of every {% translate %} and {% blocktranslate %} message."""
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt") or not path.is_file():
            continue
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for number, line in enumerate(code.splitlines(), start=1):
            for call in TEMPLATE_CALL.finditer(line):
                function = {"gettext": "_"}.get(call[1], call[1])
                strings = [ast.literal_eval(s) for s in re.findall(LITERAL, call[2])]
                yield f"{path.relative_to(ROOT)}:{number}", _key(function, strings)


def test_the_extraction_finds_the_messages_of_code_and_templates():
    python = {key for _, key in python_messages()}
    templates = {key for _, key in template_messages()}
    assert len(python) > 300 and len(templates) > 300
    assert "Recent imports" in templates and "Not allowed" in templates
    assert ("%(n)s warning: imported, the value is kept in the finding's history", 0) in templates
    assert "Progress recorded." in python


def test_every_message_of_the_interface_has_its_chinese():
    catalog = trans_real.translation("zh-hans")._catalog
    missing = sorted(
        f"{place}: {key!r}"
        for place, key in [*python_messages(), *template_messages()]
        if key not in catalog
    )
    assert missing == []
