"""Observation archives are hostile input: confined references, required checksums, bounded expansion,
streamed members, and a resumable replay that says so."""

from __future__ import annotations

import gzip
import io
import os
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sanctions_ledger.errors import ParseError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.archive import replay
from sanctions_ledger.ledger.archive_members import Limits, MiB
from tests.unit.ofac_archive import observations_csv, sdn_csv, sha, standard, write_dir, write_tar

REPO = Path(__file__).resolve().parents[2]
DAY1 = sdn_csv("ALPHA TRADING", "BETA LTD")
DAY2 = sdn_csv("ALPHA TRADING", "BETA LTD", "GAMMA SA")
DAY3 = sdn_csv("ALPHA TRADING", "GAMMA SA")


def count(ledger: Ledger, table: t.Table) -> int:
    with ledger.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def nothing_stored(ledger: Ledger) -> bool:
    return count(ledger, t.snapshots) == 0 and count(ledger, t.observations) == 0


@pytest.fixture(params=["tar.gz", "dir"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def build(kind: str, where: Path, observations: bytes, members: dict[str, bytes]) -> Path:
    if kind == "dir":
        return write_dir(where / "archive", observations, members)
    return write_tar(where / "archive.tar.gz", observations, members)


# -- references are confined to the archive's own members ------------------------------------------------


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_a_reference_outside_the_archive_is_refused(
    ledger: Ledger, tmp_path: Path, kind: str, how: str
) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_bytes(sdn_csv("SOMEONE ELSE'S FILE"))
    ref = str(outside) if how == "absolute" else "../outside.csv"
    obs = observations_csv([("2021-06-01T12:00:00Z", sha(outside.read_bytes()), ref)])
    (tmp_path / "a").mkdir()
    archive = build(kind, tmp_path / "a", obs, {"files/x.csv": DAY1})
    if kind == "dir":  # "../outside.csv" from the folder archive must reach the outside file
        (tmp_path / "a" / "outside.csv").write_bytes(outside.read_bytes())
    with pytest.raises(ParseError, match="only the archive's own members") as err:
        replay(ledger, archive)
    assert "line 2" in str(err.value) and "nothing was loaded" in str(err.value)
    assert nothing_stored(ledger)


def test_a_member_that_is_a_link_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_bytes(DAY1)
    archive = write_dir(
        tmp_path / "archive", observations_csv([("2021-06-01T12:00:00Z", sha(DAY1), "files/x.csv")]), {}
    )
    (archive / "files" / "x.csv").symlink_to(outside)
    with pytest.raises(ParseError, match=r"files/x\.csv, which is a link"):
        replay(ledger, archive)
    assert nothing_stored(ledger)


def test_a_link_member_in_a_tar_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        data = observations_csv([("2021-06-01T12:00:00Z", sha(DAY1), "files/x.csv")])
        info = tarfile.TarInfo("observations.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("files/x.csv")
        link.type = tarfile.SYMTYPE
        link.linkname = str(tmp_path / "outside.csv")
        tf.addfile(link)
    with pytest.raises(ParseError, match="which is a link"):
        replay(ledger, path)
    assert nothing_stored(ledger)


def test_every_member_needs_its_checksum(ledger: Ledger, tmp_path: Path, kind: str) -> None:
    obs = observations_csv([("2021-06-01T12:00:00Z", "", "files/x.csv")])
    archive = build(kind, tmp_path, obs, {"files/x.csv": DAY1})
    with pytest.raises(ParseError, match="needs the SHA-256"):
        replay(ledger, archive)
    assert nothing_stored(ledger)


def test_a_bad_time_or_a_duplicate_member_is_refused_before_anything_is_written(
    ledger: Ledger, tmp_path: Path
) -> None:
    obs = observations_csv(
        [("2021-06-01T12:00:00Z", sha(DAY1), "files/a.csv"), ("yesterday", sha(DAY2), "files/b.csv")]
    )
    archive = write_tar(tmp_path / "a.tar.gz", obs, {"files/a.csv": DAY1, "files/b.csv": DAY2})
    with pytest.raises(ParseError, match=r"line 3, field 'observed_at_utc': not an ISO instant"):
        replay(ledger, archive)
    twice = tmp_path / "twice.tar"
    with tarfile.open(twice, "w") as tf:
        for name, data in [("observations.csv", obs), ("files/a.csv", DAY1), ("files/a.csv", DAY2)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    with pytest.raises(ParseError, match=r"two members named files/a\.csv"):
        replay(ledger, twice)
    assert nothing_stored(ledger)


# -- checked whole before anything is written; resumable after ------------------------------------------


def test_a_damaged_member_in_the_middle_loads_nothing(ledger: Ledger, tmp_path: Path, kind: str) -> None:
    obs, members = standard([DAY1, DAY2, DAY3])
    name = sorted(members)[([sha(d) for d in (DAY1, DAY2, DAY3)].index(sha(DAY2)) == 0 and 0) or 0]
    name = f"files/{sha(DAY2)}.csv"
    members[name] = DAY2.replace(b"GAMMA", b"GAMMB")  # no longer the file the row's checksum names
    archive = build(kind, tmp_path, obs, members)
    with pytest.raises(ParseError, match="checksum mismatch") as err:
        replay(ledger, archive)
    assert "line 3" in str(err.value)
    assert nothing_stored(ledger)


def test_a_file_that_does_not_parse_stops_a_resumable_replay(
    ledger: Ledger, tmp_path: Path, kind: str
) -> None:
    bad = DAY2 + sdn_csv("DUPLICATE", start=100)  # ent_num 100 twice: checksummed, but not a valid list
    obs, members = standard([DAY1, bad, DAY3])
    (tmp_path / "bad").mkdir()
    with pytest.raises(ParseError, match="duplicate ent_num") as err:
        replay(ledger, build(kind, tmp_path / "bad", obs, members))
    msg = str(err.value)
    assert (
        "replay stopped at observation 2 of 3" in msg and "line 3" in msg and f"files/{sha(bad)}.csv" in msg
    )
    assert "resumable, not all-or-nothing" in msg and "run the same command again" in msg
    assert count(ledger, t.snapshots) == 1 and count(ledger, t.observations) == 1
    # the fixed archive: the same command resumes, skipping what is stored
    obs, members = standard([DAY1, DAY2, DAY3])
    (tmp_path / "good").mkdir()
    summary = replay(ledger, build(kind, tmp_path / "good", obs, members))
    assert (summary.observations, summary.already_stored, summary.snapshots_created) == (3, 1, 2)
    assert count(ledger, t.snapshots) == 3 and count(ledger, t.observations) == 3


def test_replaying_again_adds_nothing(ledger: Ledger, tmp_path: Path, kind: str) -> None:
    obs, members = standard([DAY1, DAY1, DAY2, DAY2, DAY3])
    archive = build(kind, tmp_path, obs, members)
    first = replay(ledger, archive)
    assert (first.snapshots_created, first.unchanged, first.already_stored) == (3, 2, 0)
    again = replay(ledger, archive)
    assert (again.observations, again.already_stored, again.snapshots_created) == (5, 5, 0)
    assert count(ledger, t.observations) == 5


# -- bounded expansion, streamed members ------------------------------------------------------------------


def zeros_tar_gz(path: Path, sizes: list[int]) -> Path:
    """A .tar.gz of members full of zeros, written without holding them in memory."""
    obs = observations_csv([])
    with gzip.open(path, "wb", compresslevel=9) as gz, tarfile.open(fileobj=gz, mode="w|") as tf:
        info = tarfile.TarInfo("observations.csv")
        info.size = len(obs)
        tf.addfile(info, io.BytesIO(obs))
        for i, size in enumerate(sizes):
            info = tarfile.TarInfo(f"files/{i}.csv")
            info.size = size
            tf.addfile(info, _Zeros(size))
    return path


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def zeros_bomb(path: Path, size: int) -> Path:
    """A .tar.gz whose member ``files/0.csv`` is ``size`` bytes of zeros, about 1/1000 of that on disk.

    Built directly as gzip: after the tar headers every byte is zero, and each MiB of zeros compressed after
    a full flush is the same deflate block, so it is computed once and repeated."""
    head = io.BytesIO()
    obs = observations_csv([])
    info = tarfile.TarInfo("observations.csv")
    info.size = len(obs)
    head.write(info.tobuf() + obs + bytes(-len(obs) % 512))
    member = tarfile.TarInfo("files/0.csv")
    member.size = size
    head.write(member.tobuf())
    prefix = head.getvalue()
    total = len(prefix) + size + (-size % 512) + 1024
    total += -total % tarfile.RECORDSIZE
    zeros = total - len(prefix)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(prefix)
    mib = bytes(MiB)
    with path.open("wb") as f:
        f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
        f.write(c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH))
        block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
        for _ in range(zeros // MiB):
            f.write(block)
            crc = zlib.crc32(mib, crc)
        rest = bytes(zeros % MiB) if zeros % MiB else b""
        f.write(c.compress(rest) + c.flush())
        crc = zlib.crc32(rest, crc)
        f.write(struct.pack("<II", crc, total & 0xFFFFFFFF))
    return path


def test_a_zip_bomb_is_refused_early_without_disk_or_memory(tmp_path: Path) -> None:
    bomb = zeros_bomb(tmp_path / "bomb.tar.gz", 2 << 30)  # 2 GiB of zeros in about 2 MiB
    assert bomb.stat().st_size < 3 * MiB
    with tarfile.open(bomb, "r|gz") as tf:  # a valid archive (its first two headers, read as a stream)
        first, second = tf.next(), tf.next()
        assert first is not None and second is not None and second.size == 2 << 30
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    rss = tmp_path / "rss"
    code = (
        "import sys\n"
        "from sanctions_ledger.cli.main import main\n"
        f"sys.argv = ['sanctions', 'load', {str(bomb)!r}]\n"
        "try:\n    main()\nfinally:\n"
        # the peak resident set of this process since exec (VmHWM); ru_maxrss would also count the
        # parent's peak at fork time, i.e. whatever the test run had grown to
        f"    hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0].split()[1]\n"
        f"    open({str(rss)!r}, 'w').write(hwm)\n"
    )
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "SANCTIONS_DB": f"sqlite:///{tmp_path / 'l.db'}",
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 3, proc.stderr
    assert "archive refused: member files/0.csv is 2.0 GiB uncompressed" in proc.stderr
    assert list(tmp.iterdir()) == []  # nothing unpacked
    assert int(rss.read_text()) < 400_000  # KiB: far below the member's size


def test_expansion_ratio_and_total_are_capped(ledger: Ledger, tmp_path: Path) -> None:
    bomb = zeros_tar_gz(tmp_path / "bomb.tar.gz", [4 * MiB] * 4)  # each member under the member cap
    with pytest.raises(ParseError, match=r"expands .* times"):
        replay(ledger, bomb, limits=Limits(ratio=50, ratio_after=2 * MiB))
    with pytest.raises(ParseError, match=r"add up to more than 10\.0 MiB"):
        replay(ledger, bomb, limits=Limits(total_bytes=10 * MiB))
    assert nothing_stored(ledger)


def test_members_are_streamed_not_unpacked(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = write_tar(tmp_path / "a.tar.xz", *standard([DAY1, DAY2, DAY3]), mode="w:xz")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp))
    on_disk: list[int] = []

    def progress(done: int, total: int) -> None:
        on_disk.append(sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file()))

    summary = replay(ledger, archive, progress=progress)
    assert summary.snapshots_created == 3
    assert on_disk == [0, 0, 0]  # between observations nothing of the archive is on disk
    assert list(tmp.iterdir()) == []


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_every_tar_compression_replays(ledger: Ledger, tmp_path: Path, mode: str) -> None:
    archive = write_tar(tmp_path / "a.tar", *standard([DAY1, DAY2, DAY3]), mode=mode)
    summary = replay(ledger, archive)
    assert (summary.observations, summary.snapshots_created) == (3, 3)
    assert [s.entity_count for s in ledger.snapshots("ofac-sdn")] == [2, 3, 2]


def test_a_truncated_archive_loads_nothing(ledger: Ledger, tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "a.tar.xz", *standard([DAY1, DAY2, DAY3]), mode="w:xz")
    archive.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(ParseError, match="cannot read archive"):
        replay(ledger, archive)
    assert nothing_stored(ledger)
