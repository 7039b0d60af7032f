"""Country names to ISO 3166-1 alpha-2 codes, on top of pycountry, with the spellings sanctions lists use."""

from __future__ import annotations

import functools
import re

import pycountry

# Names the lists use that pycountry's fuzzy lookup does not resolve, or resolves wrongly.
_EXTRA = {
    "north korea": "KP",
    "korea, north": "KP",
    "korea north": "KP",
    "dprk": "KP",
    "democratic people's republic of korea": "KP",
    "korea, democratic people's republic of": "KP",
    "korea, dem. people's rep.": "KP",
    "south korea": "KR",
    "korea, south": "KR",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "burma": "MM",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "vietnam": "VN",
    "viet nam": "VN",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "north macedonia": "MK",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo (democratic republic)": "CD",
    "congo, republic of the": "CG",
    "republic of the congo": "CG",
    "west bank": "PS",
    "gaza": "PS",
    "palestinian": "PS",
    "palestine": "PS",
    "taiwan": "TW",
    "kosovo": "XK",
    "turkey": "TR",
    "türkiye": "TR",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "u.s.a.": "US",
    "holy see": "VA",
    "micronesia, federated states of": "FM",
    "saint kitts and nevis": "KN",
    "st. kitts and nevis": "KN",
    "saint vincent and the grenadines": "VC",
    "st. vincent and the grenadines": "VC",
    "bosnia-herzegovina": "BA",
    "bosnia and herzegovina": "BA",
    "the gambia": "GM",
    "gambia, the": "GM",
    "the bahamas": "BS",
    "bahamas, the": "BS",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "east timor": "TL",
    "yugoslavia": "RS",
    "serbia and montenegro": "RS",
    "netherlands antilles": "CW",
    "macau": "MO",
    "macao": "MO",
    "region: crimea": "UA",
    "crimea": "UA",
    "region: gaza": "PS",
    "region: northern mali": "ML",
    "region: kurdistan region": "IQ",
    "soviet union": "RU",
    "ussr": "RU",
}

# Demonyms as they appear after "nationality" in OFAC remarks and in UN nationality values.
_DEMONYMS = {
    "afghan": "AF",
    "american": "US",
    "british": "GB",
    "chinese": "CN",
    "egyptian": "EG",
    "emirati": "AE",
    "french": "FR",
    "german": "DE",
    "indian": "IN",
    "iranian": "IR",
    "iraqi": "IQ",
    "jordanian": "JO",
    "kuwaiti": "KW",
    "lebanese": "LB",
    "libyan": "LY",
    "north korean": "KP",
    "pakistani": "PK",
    "russian": "RU",
    "saudi": "SA",
    "saudi arabian": "SA",
    "somali": "SO",
    "sudanese": "SD",
    "syrian": "SY",
    "turkish": "TR",
    "yemeni": "YE",
}

_IRREGULAR = {
    "filipino": "PH",
    "moroccan": "MA",
    "norwegian": "NO",
    "italian": "IT",
    "belarusian": "BY",
    "swiss": "CH",
    "dutch": "NL",
    "spanish": "ES",
    "danish": "DK",
    "swedish": "SE",
    "finnish": "FI",
    "polish": "PL",
    "greek": "GR",
    "cypriot": "CY",
    "uzbek": "UZ",
    "tajik": "TJ",
    "kyrgyz": "KG",
    "kazakh": "KZ",
    "turkmen": "TM",
    "nigerien": "NE",
    "rpdc": "KP",
    "drc": "CD",
    "irish": "IE",
    "portuguese": "PT",
    "ivorian": "CI",
    "thai": "TH",
    "welsh": "GB",
    "scottish": "GB",
    "english": "GB",
}

# Demonym endings: Tunisian -> Tunisia, Yemeni -> Yemen, Lebanese -> Leban(on) is in the tables.
_SUFFIXES = (
    ("ian", ""),
    ("ian", "ia"),
    ("an", "a"),
    ("an", ""),
    ("n", ""),
    ("ese", ""),
    ("i", ""),
    ("ic", ""),
    ("ean", "ea"),
)

_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_SPACE = re.compile(r"\s+")


def _exact(text: str) -> str | None:
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def _strict(text: str) -> str | None:
    key = text.lower().strip(".").strip()
    code = _EXTRA.get(key) or _DEMONYMS.get(key) or _IRREGULAR.get(key) or _exact(key)
    if code:
        return code
    for suffix, repl in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            code = _exact(key[: -len(suffix)] + repl)
            if code:
                return code
    return None


@functools.lru_cache(maxsize=4096)
def to_iso2(text: str | None, *, fuzzy: bool = False) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name, code or demonym as the lists write it, else ``None``.

    Tries the spellings the lists use, pycountry's exact names and codes, demonyms (``Tunisian``), each
    with and without a parenthetical qualifier (``Iran (Islamic Republic of)``). pycountry's fuzzy search
    only with ``fuzzy=True``: it answers wrongly for text that is not a country ("General" -> Chile), and a
    wrong country is worse than none (the text as written is always kept beside the code).
    """
    if not text:
        return None
    s = _SPACE.sub(" ", text.replace("\u2019", "'")).strip()
    if sum(ch.isalpha() for ch in s) < 2:
        return None
    bare = _PAREN.sub(" ", s).strip()
    for candidate in dict.fromkeys((s, bare)):
        if candidate and (code := _strict(candidate)):
            return code
    if not fuzzy:
        return None
    try:
        found = pycountry.countries.search_fuzzy(bare or s)
    except LookupError:
        return None
    return str(found[0].alpha_2) if len(found) == 1 else None


def country_name(code: str | None) -> str | None:
    if not code:
        return None
    c = pycountry.countries.get(alpha_2=code.upper())
    return str(getattr(c, "common_name", None) or c.name) if c else None
