"""Reading the members of an observation archive safely: confined names, checked sizes, one member at a time.

An archive is a tar file (plain, gzip, bzip2 or xz) or a folder. A tar is read as a stream: nothing is
unpacked to disk, each member's bytes pass through a SHA-256 and are kept only when the caller asks for them.
Every member counts against :class:`Limits`, checked before and while its bytes are read, so an archive that
expands to far more than a list archive could (a "zip bomb") is refused after a bounded amount of work and
memory. A reference from ``observations.csv`` must name a regular file of the archive itself: no absolute
path, no ``..``, no link.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, cast

from sanctions_ledger.errors import ParseError

MiB = 1 << 20
GiB = 1 << 30
CHUNK = MiB
OBSERVATIONS = "observations.csv"


@dataclass(frozen=True)
class Limits:
    """How much an archive may expand. The daily OFAC archive: 341 members of 2-4 MiB, 0.92 GiB in all,
    441 times its compressed size."""

    member_bytes: int = 256 * MiB  # one list file
    total_bytes: int = 4 * GiB  # every member together, uncompressed
    ratio: int = 1000  # uncompressed / compressed bytes, judged once ratio_after bytes are out
    ratio_after: int = 64 * MiB
    held_bytes: int = 256 * MiB  # members kept in memory because they arrived before they were needed


def _size(n: int) -> str:
    return f"{n / GiB:.1f} GiB" if n >= GiB else f"{n / MiB:.1f} MiB"


def confined(ref: str) -> str:
    """The archive member a reference from ``observations.csv`` names, normalised (``a/./b`` -> ``a/b``).
    Raises ValueError with the reason for a name that could reach outside the archive."""
    if not ref or "\x00" in ref:
        raise ValueError("an empty name or a NUL byte")
    if ref.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", ref):
        raise ValueError("an absolute path")
    parts = [p for p in PurePosixPath(ref.replace("\\", "/")).parts if p != "."]
    if ".." in parts:
        raise ValueError("a path with '..'")
    if not parts:
        raise ValueError("no file name")
    return "/".join(parts)


@dataclass(frozen=True)
class Member:
    name: str  # relative to the archive's root (the folder holding observations.csv)
    kind: str  # "file", "dir", "link" or "other"
    size: int
    sha256: str | None  # of regular files
    data: bytes | None  # when asked for


class _Unpacking(io.RawIOBase):
    """The tar bytes of a plain, gzip, xz or bzip2 file, decompressed no faster than they are read.

    tarfile's own stream decompresses a whole compressed block at a time, and a block of an xz file can
    expand to hundreds of MiB; here a read of ``n`` bytes never produces more than ``n``. Counts the
    compressed bytes consumed, for the expansion ratio."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw = raw
        self.count = 0
        self.pending = b""  # compressed input not yet given to the decompressor
        head = raw.peek(6)[:6]
        if head.startswith(b"\x1f\x8b"):
            self.kind = "gzip"
        elif head.startswith(b"\xfd7zXZ\x00"):
            self.kind = "xz"
        elif head.startswith(b"BZh"):
            self.kind = "bzip2"
        else:
            self.kind = "tar"
        self.dec: Any = self._decompressor()

    def _decompressor(self) -> Any:
        if self.kind == "gzip":
            return zlib.decompressobj(wbits=31)
        if self.kind == "xz":
            return lzma.LZMADecompressor()
        if self.kind == "bzip2":
            return bz2.BZ2Decompressor()
        return None

    def readable(self) -> bool:
        return True

    def _input(self) -> bytes:
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        data = self.raw.read(64 * 1024)
        self.count += len(data)
        return data

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(b)
        while True:
            if self.dec is None:
                data = self._input()
                out, self.pending = data[:want], data[want:]
                b[: len(out)] = out
                return len(out)
            if self.kind == "gzip":
                data = self._input()
                out = self.dec.decompress(data, want)
                self.pending = self.dec.unconsumed_tail
            else:
                data = self._input() if self.dec.needs_input else b""
                out = self.dec.decompress(data, want)
            if out:
                b[: len(out)] = out
                return len(out)
            if self.dec.eof:  # one stream ended: another may follow (concatenated gzip or xz files)
                rest = self.dec.unused_data
                if not rest:
                    rest = self._input()
                    if not rest:
                        return 0
                self.pending = rest
                self.dec = self._decompressor()
            elif not data:
                return 0  # cut short: tarfile reports the unexpected end


class _Meter:
    """The running totals of one pass, and the limit checks on them."""

    def __init__(self, archive: Path, limits: Limits, compressed: _Unpacking | None) -> None:
        self.archive = archive
        self.limits = limits
        self.compressed = compressed
        self.out = 0

    def refuse(self, what: str) -> ParseError:
        return ParseError(
            f"archive refused: {what}",
            path=self.archive,
            hint="nothing was loaded; an archive of sanctions lists never expands this much, so it is "
            "damaged or hostile",
        )

    def before(self, name: str, size: int) -> None:
        lim = self.limits
        if size > lim.member_bytes:
            raise self.refuse(
                f"member {name} is {_size(size)} uncompressed, more than the {_size(lim.member_bytes)} "
                "a list file may have"
            )
        if self.out + size > lim.total_bytes:
            raise self.too_big(name)

    def too_big(self, name: str) -> ParseError:
        return self.refuse(
            f"its members add up to more than {_size(self.limits.total_bytes)} uncompressed (at {name})"
        )

    def add(self, n: int, name: str) -> None:
        self.out += n
        lim = self.limits
        if self.out > lim.total_bytes:
            raise self.too_big(name)
        if self.compressed is not None and self.out > lim.ratio_after:
            ratio = self.out / max(self.compressed.count, 1)
            if ratio > lim.ratio:
                raise self.refuse(
                    f"it expands {ratio:.0f} times ({_size(self.compressed.count)} -> {_size(self.out)} at "
                    f"{name}), more than the {lim.ratio} times allowed"
                )


def _read(fh: BinaryIO, name: str, size: int, meter: _Meter, keep: bool) -> tuple[str, bytes | None]:
    h = hashlib.sha256()
    buf = bytearray() if keep else None
    got = 0
    while chunk := fh.read(CHUNK):
        got += len(chunk)
        if got > size:
            raise meter.refuse(f"member {name} holds more bytes than its header says")
        meter.add(len(chunk), name)
        h.update(chunk)
        if buf is not None:
            buf += chunk
    if got != size:
        raise meter.refuse(f"member {name} is cut short ({got} of {size} bytes)")
    return h.hexdigest(), bytes(buf) if buf is not None else None


def _kind(m: tarfile.TarInfo) -> str:
    if m.isreg():
        return "file"
    if m.isdir():
        return "dir"
    if m.issym() or m.islnk():
        return "link"
    return "other"


def tar_members(archive: Path, limits: Limits, want: frozenset[str] | None = None) -> Iterator[Member]:
    """Every member of a tar archive in archive order, hashed; ``data`` only for ``observations.csv`` and
    the names in ``want``. Names are relative to the folder that holds ``observations.csv`` (the archive's
    root or one folder below it)."""
    try:
        raw = archive.open("rb")
    except OSError as exc:
        raise ParseError(f"cannot open archive: {exc.strerror}", path=archive) from exc
    unpacking = _Unpacking(raw)
    meter = _Meter(archive, limits, unpacking)
    prefix: str | None = None
    seen: set[str] = set()
    try:
        with raw, tarfile.open(fileobj=cast(BinaryIO, unpacking), mode="r|") as tf:
            for m in tf:
                try:
                    name = confined(m.name)
                except ValueError as exc:
                    raise meter.refuse(f"member {m.name!r} has {exc}") from None
                if name in seen:
                    raise meter.refuse(f"it holds two members named {name}")
                seen.add(name)
                kind = _kind(m)
                if prefix is None and kind == "file" and name.rsplit("/", 1)[-1] == OBSERVATIONS:
                    if name.count("/") > 1:
                        raise meter.refuse(f"{name} is more than one folder deep")
                    prefix = name[: -len(OBSERVATIONS)]
                rel = name.removeprefix(prefix) if prefix and name.startswith(prefix) else name
                if kind != "file":
                    yield Member(rel, kind, 0, None, None)
                    continue
                meter.before(name, m.size)
                fh = tf.extractfile(m)
                assert fh is not None
                keep = rel == OBSERVATIONS or (want is not None and rel in want)
                digest, data = _read(cast(BinaryIO, fh), name, m.size, meter, keep)
                yield Member(rel, kind, m.size, digest, data)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ParseError(
            f"cannot read archive: {exc}", path=archive, hint="nothing was loaded from a damaged archive"
        ) from exc
    except (zlib.error, lzma.LZMAError) as exc:
        raise ParseError(f"cannot read archive: {exc}", path=archive) from exc


def dir_member(root: Path, name: str, limits: Limits, keep: bool) -> Member:
    """One member of a folder archive: a regular file inside ``root`` reached through no link."""
    path = root
    for part in name.split("/"):
        path = path / part
        if path.is_symlink():
            return Member(name, "link", 0, None, None)
    if not path.exists():
        raise FileNotFoundError(name)
    if not path.is_file():
        return Member(name, "other", 0, None, None)
    meter = _Meter(root, limits, None)
    size = path.stat().st_size
    meter.before(name, size)
    with path.open("rb") as fh:
        digest, data = _read(cast(BinaryIO, fh), name, size, meter, keep)
    return Member(name, "file", size, digest, data)
