"""Files the server writes in development (var/: secret key, SQLite, mail) are private to its user:
directories 0700, files 0600. The mail files hold sign-in and verification codes in clear."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """`mkdir -p` where every directory it creates is 0700 (mkdir's mode covers only the last)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)


def write_private(path: Path, data: bytes) -> None:
    """Create `path` as 0600 and write `data`; never replaces an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
