"""Japan, Ministry of Finance asset-freeze list (資産凍結等の措置の対象者), legacy Excel ``.xls``
(format ``jp-mof-xls``).

One sheet per programme (``2.タリバーン関係者等``, ``29.ロシア連邦(個人)``, ...) after an index sheet
``一覧``; a title/notes area, then a header row (the first row holding ``告示番号``; full-width spaces in
headers are removed), then one row per party. Columns differ per sheet and are read by header name.

Key: ``source_id`` = ``<sheet number>-<告示番号>`` (e.g. ``29-1``). Rows whose 告示日付 says ``削除``
(deleted) and that carry no name are skipped and counted (``counts["deleted_rows"]``); a row with a name
but no 告示番号, or a 告示番号 seen twice on one sheet, is an error naming sheet and row. Sheets without a
header row (programmes lifted, ``【解除】``) are skipped with a warning that says how many rows they hold.

Mapping:
* 英語表記 -> primary name (Latin); 日本語表記 -> alias in Japanese script (``Kana``/``Jpan``);
* 別名/別称/確定可能な別名 -> aliases, 旧称/以前の別名 -> ``former``, 確定に十分でない別名 -> ``weak``
  (``(a)..(b)`` pieces and lines split, ``a.k.a.:`` unwrapped);
* the sheet name -> programs;
* 告示日付 (``2001.9.22\n2008.6.25改訂``) -> ``listed_on`` = the first date; each amendment in
  ``properties["amended_on"]``;
* リスト掲載日/指定日 -> ``properties["un_listed_on"]``;
* 生年月日 (Excel date or serial, or free text ``1955年-1958年頃``, full-width digits) -> birth
  dates, the rest verbatim in ``birth_dates_text``; 出生地 -> ``birth_places``;
* 国籍 -> nationalities (ISO via parsers/jp_countries.py, else as written; the text in ``nationality_text``);
* 旅券番号 -> ``passport`` identifiers; 身分登録番号/ID番号 -> ``national_id`` (不明 = unknown: skipped);
* 住所/所在地 -> addresses; 称号 -> ``title``; 役職/肩書等 -> ``position``; その他の情報 -> remarks;
* every other column -> a property under its header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers import sheets
from sanctions_ledger.parsers.base import ParsedList, require_nonempty
from sanctions_ledger.parsers.jp_countries import jp_country
from sanctions_ledger.parsers.other_lists import script_of
from sanctions_ledger.parsers.records import new_entity, one_file_list
from sanctions_ledger.parsers.textdates import cell_date, one_date, parse_dates

FORMAT = "jp-mof-xls"
NUMBER = "告示番号"
NOTICE_DATE = "告示日付"
JA, EN = "日本語表記", "英語表記"
_UNKNOWN = {"不明", "", "-", "－"}
_ALIAS_COLS = {
    "別名": "alias",
    "別称": "alias",
    "別名・別称": "alias",
    "別称・別名": "alias",
    "確定可能な別名": "alias",
    "別称・旧称": "alias",
    "旧称": "former",
    "以前の別名": "former",
    "過去の別名": "former",
    "確定に十分でない別名": "weak",
}
_DOB_COLS = ("生年月日",)
_POB_COLS = ("出生地", "出生地・出身地")
_ADDR_COLS = ("住所", "所在地", "住所・所在地", "活動地域・住所", "所在地・住所登録された事務所の住所")
_LISTED_COLS = ("リスト掲載日", "指定日", "国連制裁員会による指定日", "国連制裁委員会による指定日")
_PROPS = {
    "称号": "title",
    "役職": "position",
    "肩書等": "position",
    "肩書": "position",
    "国籍": None,
    "旅券番号": None,
    "身分登録番号": None,
    "ID番号": None,
    "ＩＤ番号": None,
    "その他の情報": None,
    "電話": "phones",
    "電話番号": "phones",
    "FAX": "faxes",
}
_PIECE = re.compile(r"\(([a-z])\)|（([a-z])）")
_DOTTED = re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})")


def looks_like(path: Path) -> bool:
    book = sheets.open_book(path)
    for name in book.sheet_names[:4]:
        for i, (_r, cells) in enumerate(sheets.rows(book, name, path)):
            if any(_norm(c) == NUMBER for c in cells):
                return True
            if i > 6:
                break
    return False


def _norm(value: Any) -> str:
    return "".join(sheets.text(value).split())


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unwrap(piece: str) -> str:
    """Drop an ``a.k.a.:`` label and parentheses left unbalanced by the ``(a) .. (b)`` split."""
    piece = re.sub(r"^\(?a\.k\.a\.?:?\s*", "", piece)
    for open_, close in (("(", ")"), ("（", "）")):
        while piece.endswith(close) and piece.count(close) > piece.count(open_):
            piece = piece[:-1].rstrip()
        while piece.startswith(open_) and piece.count(open_) > piece.count(close):
            piece = piece[1:].lstrip()
    return piece.strip(" ,;、")


def _pieces(text: str) -> list[str]:
    """A cell's values: ``(a) .. (b) ..`` pieces and lines, whitespace collapsed, empty ones dropped."""
    out = []
    for p in _PIECE.split(text):
        if p is None or len(p) == 1:
            continue  # the letters captured by the split
        for line in p.split("\n"):
            line = _unwrap(" ".join(line.replace("\u3000", " ").split()).strip(" ,;、"))
            if any(c.isalnum() for c in line):
                out.append(line)
    return out


def _dotted(text: str) -> list[tuple[str, str]]:
    """``2001.9.22\\n2008.6.25改訂`` -> [(``2001-09-22``, ``""``), (``2008-06-25``, ``改訂``)]."""
    out = []
    for line in text.split("\n"):
        m = _DOTTED.search(line)
        if not m:
            continue
        try:
            day = PartialDate.of(int(m[1]), int(m[2]), int(m[3])).value
        except ValueError:
            continue
        out.append((day, line[m.end() :].strip()))
    return out


@dataclass
class _State:
    path: Path
    list_name: str
    entities: list[Entity] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    deleted: int = 0


def _sheet(st: _State, book: Any, name: str) -> None:
    m = re.match(r"^(\d+)\.", name.strip())
    if not m:
        return  # the index sheet
    sheet_no = m.group(1)
    program = name.strip()
    header: list[str] | None = None
    seen: dict[str, int] = {}
    pending = 0
    for row, cells in sheets.rows(book, name, st.path):
        if header is None:
            norm = [_norm(c) for c in cells]
            if NUMBER in norm:
                header = norm
            elif any(norm):
                pending += 1
            continue
        get = {h: cells[i] for i, h in enumerate(header) if h and i < len(cells)}
        number = _raw(get.get(NUMBER))
        notice = _raw(get.get(NOTICE_DATE))
        ja, en = sheets.text(get.get(JA)), sheets.text(get.get(EN))
        if not (ja or en):
            if "削除" in notice:
                st.deleted += 1
            elif any(_raw(v) for v in get.values()):
                st.warnings.append(
                    f"{st.path.name}, sheet {name!r}, row {row}: row without a name skipped: "
                    + " | ".join(_raw(v) for v in get.values() if _raw(v))[:120]
                )
            continue
        if not number:
            raise ParseError(
                f"sheet {name!r}: row with a name but no {NUMBER}", path=st.path, line=row, field=NUMBER
            )
        if number in seen:
            raise ParseError(
                f"sheet {name!r}: {NUMBER} {number} repeats row {seen[number]}",
                path=st.path,
                line=row,
                field=NUMBER,
            )
        seen[number] = row
        st.rows += 1
        st.entities.append(_entity(st, program, sheet_no, number, get, row, name))
    if header is None and pending > 1:
        st.warnings.append(f"{st.path.name}: sheet {name!r} has no header row ({pending} rows); not read")


_ORIGINAL = re.compile(r"[(（]\s*original script\s*[:：]\s*(.+?)\s*[)）]?\s*$", re.IGNORECASE)
_JP_DATE_IN_TEXT = re.compile(r"^\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?")
_PERSON_FACTS = ("生年月日", "生年月日・出生地", "出生地", "出生地・出身地", "旅券番号", "国籍", "称号")


def _schema(program: str, get: dict[str, Any]) -> str:
    """個人 (individuals) / 団体, 銀行 (entities, banks) sheets say it; on mixed sheets a row with a
    person's facts (date or place of birth, passport, nationality, title) is a person, else unknown."""
    if "個人" in program:
        return "person"
    if "団体" in program or "銀行" in program:
        return "organization"
    if any(_raw(get.get(c)) not in _UNKNOWN for c in _PERSON_FACTS if c in get):
        return "person"
    return "unknown"


def _entity(
    st: _State, program: str, sheet_no: str, number: str, get: dict[str, Any], row: int, sheet: str
) -> Entity:
    ja, en = sheets.text(get.get(JA)), sheets.text(get.get(EN))
    original = None
    if m := _ORIGINAL.search(en):  # "(original script: ...)" in the English cell, sometimes left blank
        en, original = en[: m.start()].strip(), m.group(1).strip(" )）")
        original = original if any(c.isalpha() for c in original) else None
    schema = _schema(program, get)
    ent = new_entity(st.list_name, f"{sheet_no}-{number}", schema, st.path, row, f"sheet {sheet!r} row {row}")
    ent.programs.append(program)
    for text, kind in ((en, "primary"), (ja, "alias"), (original or "", "original_script")):
        if text and all(n.name != text for n in ent.names):
            ent.names.append(Name(text, kind if ent.names or kind != "alias" else "primary", script_of(text)))
    for col, kind in _ALIAS_COLS.items():
        for piece in _pieces(_raw(get.get(col))):
            if piece not in _UNKNOWN and all(n.name != piece for n in ent.names):
                ent.names.append(Name(piece, kind, script_of(piece)))
    dates = _dotted(_raw(get.get(NOTICE_DATE)))
    if dates:
        ent.listed_on = dates[0][0]
        for day, note in dates[1:]:
            ent.add_property("amended_on", f"{day} {note}".strip())
    elif notice := _raw(get.get(NOTICE_DATE)):
        notice_day = cell_date(get.get(NOTICE_DATE))
        if notice_day is None:
            raise ParseError(
                f"sheet {sheet!r}: {NOTICE_DATE} {notice!r} is not a date",
                path=st.path,
                line=row,
                field=NOTICE_DATE,
            )
        ent.listed_on = notice_day
    for col in _LISTED_COLS:
        value = get.get(col)
        if _raw(value):
            un_day = cell_date(value) or next((d for d, _ in _dotted(_raw(value))), None)
            ent.add_property("un_listed_on", un_day or _raw(value))
    for col in (*_DOB_COLS, "生年月日・出生地"):
        value = get.get(col)
        if not _raw(value):
            continue
        if not isinstance(value, str):
            iso = cell_date(value)
            pd = one_date(iso) if iso else None
            found, rest = ([pd] if pd else []), ([] if pd else [_raw(value)])
        else:
            found, rest = parse_dates(_PIECE.sub(";", value))
        ent.birth_dates.extend(d for d in found if d not in ent.birth_dates)
        for piece in rest:
            if piece in _UNKNOWN:
                continue
            # "1941年8月20日セルビア共和国ポジャレヴァッツ生" (date and place of birth in one cell)
            if col == "生年月日・出生地" and (m := _JP_DATE_IN_TEXT.search(piece)):
                pd = one_date(m.group(0))
                if pd is not None:
                    if pd not in ent.birth_dates:
                        ent.birth_dates.append(pd)
                    place = piece[m.end() :].removesuffix("生").strip()
                    ent.add_property("birth_places", place)
                    continue
            ent.add_property("birth_dates_text", piece)
    for col in _POB_COLS:
        for piece in _pieces(_raw(get.get(col))):
            if piece not in _UNKNOWN:
                ent.add_property("birth_places", piece)
    for piece in _pieces(_raw(get.get("国籍"))):
        if piece in _UNKNOWN:
            continue
        code = jp_country(piece) or to_iso2(piece) or piece
        ent.add_property("nationality_text", piece)  # as written, beside the code
        if code not in ent.nationalities:
            ent.nationalities.append(code)
    for col, kind in (
        ("旅券番号", "passport"),
        ("身分登録番号", "national_id"),
        ("ID番号", "national_id"),
        ("ＩＤ番号", "national_id"),
    ):
        for piece in _pieces(_raw(get.get(col))):
            if piece not in _UNKNOWN:
                ident = Identifier(kind, piece)
                if ident not in ent.identifiers:
                    ent.identifiers.append(ident)
    for col in _ADDR_COLS:
        for piece in _pieces(_raw(get.get(col))):
            if piece not in _UNKNOWN:
                addr = Address(street=piece)
                if addr not in ent.addresses:
                    ent.addresses.append(addr)
    other = _raw(get.get("その他の情報"))
    ent.remarks = " ".join(other.split()) or None
    known = {
        NUMBER,
        NOTICE_DATE,
        JA,
        EN,
        *_ALIAS_COLS,
        *_DOB_COLS,
        "生年月日・出生地",
        *_POB_COLS,
        *_ADDR_COLS,
        *_LISTED_COLS,
        *_PROPS,
    }
    for col, key in _PROPS.items():
        if key:
            for piece in _pieces(_raw(get.get(col))):
                ent.add_property(key, piece)
    for col, value in get.items():
        if col not in known and _raw(value):
            ent.add_property(col, " ".join(_raw(value).split()))
    return ent


def parse(path: Path, *, list_name: str = "jp-mof") -> ParsedList:
    """Parse a MOF ``shisantouketsu*.xls`` (or the same layout as .xlsx)."""
    require_nonempty(path)
    book = sheets.open_book(path)
    st = _State(path=path, list_name=list_name)
    for name in book.sheet_names:
        _sheet(st, book, name)
    if not st.entities:
        raise ParseError(
            f"no sheet with a {NUMBER} header and records", path=path, hint="is this MOF's asset-freeze list?"
        )
    ents = st.entities
    return one_file_list(
        path,
        list_name,
        FORMAT,
        ents,
        counts={"records": len(ents), "rows": st.rows, "deleted_rows": st.deleted},
        warnings=st.warnings,
    )
