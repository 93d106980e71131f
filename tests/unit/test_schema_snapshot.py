"""schema.graphql is the served SDL, and the served schema is a compatible superset of the contract."""

from __future__ import annotations

from pathlib import Path

from schema.schema import sdl

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_CHECK = ROOT.parent / "shared" / "tools" / "contract-check"


def test_committed_snapshot_equals_served_sdl() -> None:
    assert (ROOT / "schema.graphql").read_text() == sdl(), "run `make schema` and commit schema.graphql"
