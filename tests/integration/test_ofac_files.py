"""The OFAC parsers on every real OFAC file in ../shared/data, checked against counts made here from the raw
bytes (with the csv module or byte patterns, never with the parser under test)."""

from __future__ import annotations

import csv
import io
import os
import re
import tarfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from sanctions_ledger.parsers import ofac_csv, ofac_xml
from sanctions_ledger.parsers.base import ParsedList

pytestmark = pytest.mark.integration

_REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SANCTIONS_SHARED_DATA", _REPO.parent / "shared" / "data"))
if not DATA.is_dir():
    pytest.skip(f"shared data not found at {DATA}", allow_module_level=True)

NULL = "-0-"
PARTS = {
    "sdn.csv": ("ofac-sdn", "add.csv", "alt.csv", "sdn_comments.csv"),
    "cons_prim.csv": ("ofac-cons", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"),
}


@dataclass
class OfacSet:
    folder: Path
    list_name: str
    main: Path
    add: Path | None
    alt: Path | None
    comments: Path | None

    @property
    def key(self) -> str:
        return f"{self.list_name}/{self.folder.name}"


def _sets() -> list[OfacSet]:
    out = []
    for folder in sorted([*DATA.glob("ofac-sdn/*/"), *DATA.glob("ofac-cons/*/")]):
        for main_name, (list_name, add, alt, comments) in PARTS.items():
            main = folder / main_name
            if main.exists():
                opt = {
                    r: (folder / n if (folder / n).exists() else None)
                    for r, n in (("add", add), ("alt", alt), ("comments", comments))
                }
                out.append(OfacSet(folder, list_name, main, opt["add"], opt["alt"], opt["comments"]))
    return out


SETS = _sets()
_CACHE: dict[str, ParsedList] = {}
_SECONDS: dict[str, float] = {}


def _parsed(s: OfacSet) -> ParsedList:
    """Each set is parsed once per test session (and timed)."""
    if s.key not in _CACHE:
        start = time.perf_counter()
        _CACHE[s.key] = ofac_csv.parse(
            s.main, add=s.add, alt=s.alt, comments=s.comments, list_name=s.list_name
        )
        _SECONDS[s.key] = time.perf_counter() - start
    return _CACHE[s.key]


# ------------------------------------------------------------------------------ independent raw counts


def _raw_rows(path: Path | None) -> list[list[str]]:
    """Rows of a legacy file by the csv module alone (blank lines skipped)."""
    if path is None or path.stat().st_size == 0:
        return []
    data = path.read_bytes().rstrip(b"\x1a\r\n")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r and any(f.strip() for f in r)]


def _null(v: str) -> bool:
    return v.strip() in ("", NULL)


_AKA_CLAUSE = re.compile(r"(?:^|;\s*)([afn])\.k\.a\.\s")


@dataclass
class RawCounts:
    records: int
    ent_nums: set[str]
    add_rows: int
    empty_add_rows: int
    alt_rows: int
    remark_akas: Counter[str]


def _raw_counts(s: OfacSet) -> RawCounts:
    main = _raw_rows(s.main)
    overflow: dict[str, str] = {}
    for ent, text in _raw_rows(s.comments):
        overflow[ent] = overflow.get(ent, "") + text
    akas: Counter[str] = Counter()
    for r in main:
        remarks = "" if _null(r[11]) else r[11] + overflow.get(r[0], "")
        if s.comments is None and len(remarks) >= 1000:
            remarks = remarks.rsplit(";", 1)[0]  # the cut last clause is not parsed
        akas.update(m.group(1) for m in _AKA_CLAUSE.finditer(remarks))
    add = _raw_rows(s.add)
    return RawCounts(
        records=len(main),
        ent_nums={r[0] for r in main},
        add_rows=len(add),
        empty_add_rows=sum(all(_null(v) for v in r[2:]) for r in add),
        alt_rows=len(_raw_rows(s.alt)),
        remark_akas=akas,
    )


# ------------------------------------------------------------------------------ CSV fidelity


@pytest.mark.parametrize("s", SETS, ids=[s.key for s in SETS])
def test_csv_fidelity(s: OfacSet) -> None:
    parsed = _parsed(s)
    raw = _raw_counts(s)
    ents = parsed.entities
    assert len(ents) == raw.records == parsed.counts["records"]
    assert {e.source_id for e in ents} == {str(int(n)) for n in raw.ent_nums}
    assert all(e.id.startswith(s.list_name + ":") for e in ents)
    kinds = Counter(n.kind for e in ents for n in e.names)
    assert kinds["primary"] == raw.records
    assert kinds["weak"] == raw.remark_akas["a"]
    assert kinds["alias"] + kinds["former"] + kinds["new"] == (
        raw.alt_rows + raw.remark_akas["f"] + raw.remark_akas["n"]
    )
    assert parsed.counts["names"] == sum(kinds.values())
    assert parsed.counts["alt_rows"] == raw.alt_rows
    assert parsed.counts["add_rows"] == raw.add_rows
    assert sum(len(e.addresses) for e in ents) == raw.add_rows - raw.empty_add_rows
    assert parsed.counts["addresses"] == raw.add_rows - raw.empty_add_rows
    # nothing of the source remarks lost: each entity's remarks is the raw main + overflow text
    with_remarks = sum(1 for e in ents if e.remarks)
    assert with_remarks == sum(1 for r in _raw_rows(s.main) if not _null(r[11]))
    parsed.check_unique()


@pytest.mark.parametrize("s", SETS, ids=[s.key for s in SETS])
def test_csv_remarks_mostly_placed(s: OfacSet) -> None:
    counts = _parsed(s).counts
    assert counts["unparsed_clauses"] / counts["remark_clauses"] < 0.05


def test_comments_join_exactly() -> None:
    s = next(x for x in SETS if x.key == "ofac-sdn/2019-01-04")
    assert s.comments is not None
    overflow = {r[0]: r[1] for r in _raw_rows(s.comments)}
    main = {r[0]: r[11] for r in _raw_rows(s.main)}
    by_id = {e.source_id: e for e in _parsed(s).entities}
    assert overflow
    for ent, tail in overflow.items():
        assert by_id[ent].remarks == main[ent] + tail
        assert len(main[ent]) == 1000


def test_2024_counts_and_quality() -> None:
    s = next(x for x in SETS if x.key == "ofac-sdn/2024-07-02")
    parsed = _parsed(s)
    assert len(parsed.entities) == 15443
    # speed is measured by the benchmarks, not asserted here: a busy machine is slower, never wrong
    print(f"\nparsed {s.key} in {_SECONDS[s.key]:.2f} s")
    assert parsed.counts["unparsed_clauses"] / parsed.counts["remark_clauses"] < 0.02


def test_known_entities() -> None:
    s = next(x for x in SETS if x.key == "ofac-sdn/2021-06-29")
    by_id = {e.source_id: e for e in _parsed(s).entities}
    dalian = by_id["26243"]  # designated 21 Mar 2019 (the "withdrawn sanctions" case)
    assert dalian.caption.startswith("DALIAN HAIBO INTERNATIONAL FREIGHT")
    assert dalian.schema == "organization"
    assert any(p.startswith("DPRK") for p in dalian.programs)


# ------------------------------------------------------------------------------ XML


XML_2018 = DATA / "ofac-cons" / "2018-04-06" / "consolidated.xml"


@pytest.fixture(scope="module")
def xml_2018() -> ParsedList:
    if not XML_2018.exists():
        pytest.skip("consolidated.xml not present")
    return ofac_xml.parse(XML_2018, list_name="ofac-cons")


def test_xml_fidelity(xml_2018: ParsedList) -> None:
    data = XML_2018.read_bytes()
    entries = data.count(b"<sdnEntry>")
    assert len(xml_2018.entities) == entries == 639
    assert xml_2018.counts["declared_records"] == 639
    assert xml_2018.warnings == []
    assert xml_2018.counts["aka_rows"] == data.count(b"<aka>")
    assert sum(len(e.names) for e in xml_2018.entities) == entries + data.count(b"<aka>")
    assert (
        xml_2018.published_at is not None and xml_2018.published_at.isoformat() == "2018-04-06T00:00:00-04:00"
    )
    assert all(e.provenance and e.provenance.line for e in xml_2018.entities)
    first = xml_2018.entities[0]
    assert first.provenance is not None and first.provenance.line is not None
    lines = data.split(b"\n")
    assert lines[first.provenance.line - 1].strip() == b"<sdnEntry>"


def test_xml_matches_csv_of_same_day(xml_2018: ParsedList) -> None:
    s = next(x for x in SETS if x.key == "ofac-cons/2018-04-06")
    csv_by_id = {e.id: e for e in _parsed(s).entities}
    xml_by_id = {e.id: e for e in xml_2018.entities}
    assert set(csv_by_id) == set(xml_by_id)
    for eid, x in xml_by_id.items():
        c = csv_by_id[eid]
        assert x.caption == c.caption, eid
        assert set(x.programs) == set(c.programs), eid
        assert x.schema == c.schema, eid
        assert len(x.addresses) == len(c.addresses), eid
        assert sorted(sorted(i.to_dict().items()) for i in x.identifiers) == sorted(
            sorted(i.to_dict().items()) for i in c.identifiers
        ), eid
        assert x.birth_dates == c.birth_dates, eid
        assert Counter(n.kind for n in x.names) == Counter(n.kind for n in c.names), eid


# ------------------------------------------------------------------------------ daily archive


DAILY = DATA / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz"


def test_daily_archive_first_files(tmp_path: Path) -> None:
    if not DAILY.exists():
        pytest.skip("daily archive not present")
    taken: list[Path] = []
    with tarfile.open(DAILY, mode="r|xz") as tar:
        for member in tar:
            if member.isfile() and member.name.startswith("files/") and member.name.endswith(".csv"):
                f = tar.extractfile(member)
                assert f is not None
                target = tmp_path / Path(member.name).name
                target.write_bytes(f.read())
                taken.append(target)
                if len(taken) == 3:
                    break
    assert len(taken) == 3
    for path in taken:
        parsed = ofac_csv.parse(path, list_name="ofac-sdn")
        assert len(parsed.entities) == len(_raw_rows(path)) > 8000
        assert parsed.files[0].sha256 == path.stem  # archive members are named by their sha256
        assert parsed.counts["unparsed_clauses"] / parsed.counts["remark_clauses"] < 0.05
