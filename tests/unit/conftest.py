"""Fixtures of the service-level unit tests: a World of fake storage with the real hasher and keyring."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from domain.security import BcryptHasher

from .world import START, World


@pytest.fixture(scope="session")
def hasher() -> Iterator[BcryptHasher]:
    """The real hasher at bcrypt's lowest cost, shared by every test (it owns a thread)."""
    hasher = BcryptHasher(rounds=4)
    yield hasher
    hasher.close()


@pytest.fixture
def start() -> datetime:
    """When the test's clock starts; a module overrides this fixture to start elsewhere."""
    return START


@pytest.fixture
def world(hasher: BcryptHasher, start: datetime) -> World:
    return World.make(hasher, start)
