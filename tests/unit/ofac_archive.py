"""Small OFAC SDN files and observation archives in the official layouts, for the archive and writer tests."""

from __future__ import annotations

import csv
import hashlib
import io
import tarfile
from pathlib import Path


def sdn_csv(*names: str, start: int = 100) -> bytes:
    """A legacy ``sdn.csv``: one organisation per name, ent_nums from ``start``."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    for i, name in enumerate(names):
        w.writerow([start + i, name, "-0- ", "SDGT", *["-0- "] * 7, "-0- "])
    return out.getvalue().encode("cp1252")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def observations_csv(rows: list[tuple[str, str, str]]) -> bytes:
    """``observations.csv`` from ``(observed_at_utc, sha256, file)`` rows."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["observed_at_utc", "source_repo", "commit", "sha256", "file"])
    for at, digest, file in rows:
        w.writerow([at, "test/archive", "0" * 40, digest, file])
    return out.getvalue().encode()


def standard(days: list[bytes]) -> tuple[bytes, dict[str, bytes]]:
    """``observations.csv`` and ``files/<sha256>.csv`` members for one observation per day (2021-06-01 on)."""
    members: dict[str, bytes] = {}
    rows = []
    for i, data in enumerate(days):
        name = f"files/{sha(data)}.csv"
        members[name] = data
        rows.append((f"2021-06-{i + 1:02d}T12:00:00Z", sha(data), name))
    return observations_csv(rows), members


def write_tar(path: Path, observations: bytes, members: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:  # type: ignore[call-overload]
        for name, data in [("observations.csv", observations), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def write_dir(path: Path, observations: bytes, members: dict[str, bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "files").mkdir(exist_ok=True)
    (path / "observations.csv").write_bytes(observations)
    for name, data in members.items():
        (path / name).write_bytes(data)
    return path
