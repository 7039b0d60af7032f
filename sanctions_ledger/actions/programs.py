"""Which countries a sanctions program concerns, and the country names and aliases found in free text."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import pycountry

# Program tag (prefix) -> the country it concerns. Thematic programs (NPWMD, SDGT, CYBER2, ...) map to none.
PROGRAM_COUNTRIES: dict[str, str] = {
    "DPRK": "KP",
    "DPRK2": "KP",
    "DPRK3": "KP",
    "DPRK4": "KP",
    "DPRK-NKSPEA": "KP",
    "NKSPEA": "KP",
    "DRCONGO": "CD",
    "VENEZUELA": "VE",
    "VENEZUELA-EO13850": "VE",
    "VENEZUELA-EO13884": "VE",
    "IRAN": "IR",
    "IRAN-EO13846": "IR",
    "IRAN-EO13871": "IR",
    "IRAN-EO13876": "IR",
    "IRAN-EO13902": "IR",
    "IFSR": "IR",
    "IRGC": "IR",
    "ISA": "IR",
    "SYRIA": "SY",
    "SYRIA-EO13894": "SY",
    "CUBA": "CU",
    "BELARUS": "BY",
    "BELARUS-EO14038": "BY",
    "BURMA-EO14014": "MM",
    "RUSSIA-EO14024": "RU",
    "UKRAINE-EO13660": "UA",
    "UKRAINE-EO13661": "RU",
    "UKRAINE-EO13662": "RU",
    "UKRAINE-EO13685": "UA",
    "LIBYA2": "LY",
    "LIBYA3": "LY",
    "SOMALIA": "SO",
    "SOUTH SUDAN": "SS",
    "SUDAN": "SD",
    "CAR": "CF",
    "YEMEN": "YE",
    "MALI-EO13882": "ML",
    "NICARAGUA": "NI",
    "NICARAGUA-NHRAA": "NI",
    "ZIMBABWE": "ZW",
    "BALKANS": "RS",
    "IRAQ2": "IQ",
    "IRAQ3": "IQ",
    "LEBANON": "LB",
    "HK-EO13936": "HK",
}

# Names in text that pycountry's official names do not cover (or cover ambiguously).
ALIASES: dict[str, str] = {
    "north korea": "KP",
    "north korean": "KP",
    "north koreans": "KP",
    "dprk": "KP",
    "pyongyang": "KP",
    "democratic people's republic of korea": "KP",
    "south korea": "KR",
    "south korean": "KR",
    "seoul": "KR",
    "iran": "IR",
    "iranian": "IR",
    "venezuela": "VE",
    "venezuelan": "VE",
    "russia": "RU",
    "russian": "RU",
    "syria": "SY",
    "syrian": "SY",
    "china": "CN",
    "chinese": "CN",
    "congo": "CD",
    "drc": "CD",
    "democratic republic of the congo": "CD",
    "cuba": "CU",
    "cuban": "CU",
    "burma": "MM",
    "myanmar": "MM",
}

# Zones where the news about a country is read (the "other side" of a date): for North Korea, Seoul.
OBSERVER_ZONES: dict[str, str] = {
    "KP": "Asia/Seoul",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai",
    "IR": "Asia/Tehran",
}


def country_of_program(tag: str) -> str | None:
    if tag in PROGRAM_COUNTRIES:
        return PROGRAM_COUNTRIES[tag]
    for prefix, code in PROGRAM_COUNTRIES.items():
        if tag.startswith(prefix + "-"):
            return code
    return None


def programs_of_country(code: str) -> list[str]:
    return sorted(p for p, c in PROGRAM_COUNTRIES.items() if c == code)


@functools.lru_cache(maxsize=1)
def _name_table() -> list[tuple[re.Pattern[str], str, str]]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            v = getattr(c, attr, None)
            # Names with a comma ("Korea, Democratic People's Republic of") never occur as such in prose.
            if v and "," not in v and len(v) > 3:
                names.setdefault(v.lower(), str(c.alpha_2))
    names.update(ALIASES)
    # "Korea" alone is ambiguous; pycountry has no plain "Korea" entry, so nothing to remove.
    out = []
    for name in sorted(names, key=len, reverse=True):
        pat = re.compile(r"(?<!\w)" + re.escape(name).replace(r"\ ", r"\s+") + r"(?!\w)", re.IGNORECASE)
        out.append((pat, names[name], name))
    return out


def countries_in(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """Countries named in ``text``: ``(iso2, the words as written, span)``; longest first, no overlap."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, str, tuple[int, int]]] = []
    for pat, code, _ in _name_table():
        for m in pat.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append((code, m.group(0), (s, e)))
    return sorted(found, key=lambda f: f[2])


def action_countries(programs: Iterable[str], texts: Iterable[str | None]) -> list[str]:
    """The countries an action concerns: from its program tags, and the countries its texts name."""
    codes = {c for c in (country_of_program(p) for p in programs) if c}
    for t in texts:
        if t:
            codes.update(code for code, _, _ in countries_in(t))
            if re.search(r"\bdprk\b", t, re.IGNORECASE):
                codes.add("KP")
    return sorted(codes)
