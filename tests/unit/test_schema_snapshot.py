"""schema.graphql is the served SDL, and the served schema is a compatible superset of the contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schema.schema import sdl

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_CHECK = ROOT.parent / "shared" / "tools" / "contract-check"


def test_committed_snapshot_equals_served_sdl() -> None:
    assert (ROOT / "schema.graphql").read_text() == sdl(), "run `make schema` and commit schema.graphql"


def test_served_schema_is_a_compatible_superset_of_the_contract() -> None:
    if not CONTRACT_CHECK.exists():
        pytest.skip(f"{CONTRACT_CHECK} is not beside this checkout")
    result = subprocess.run(
        [sys.executable, str(CONTRACT_CHECK), str(ROOT / "schema.graphql")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compatible" in result.stdout
