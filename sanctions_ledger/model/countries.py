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

_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def to_iso2(text: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name, code or demonym; ``None`` when unknown."""
    if not text:
        return None
    key = _SPACE.sub(" ", text.strip().strip(".").strip()).lower()
    if not any(c.isalpha() for c in key):
        return None  # digits/punctuation only: pycountry's fuzzy search maps e.g. "1" to Sweden
    if key in _EXTRA:
        return _EXTRA[key]
    if key in _DEMONYMS:
        return _DEMONYMS[key]
    if len(key) == 2 and key.isalpha():
        c = pycountry.countries.get(alpha_2=key.upper())
        return str(c.alpha_2) if c else None
    if len(key) == 3 and key.isalpha():
        c = pycountry.countries.get(alpha_3=key.upper())
        if c:
            return str(c.alpha_2)
    for attr in ("name", "official_name", "common_name"):
        for c in pycountry.countries:
            v = getattr(c, attr, None)
            if v and v.lower() == key:
                return str(c.alpha_2)
    try:
        found = pycountry.countries.search_fuzzy(key)
    except LookupError:
        return None
    if len(found) == 1 or (found and key in str(getattr(found[0], "name", "")).lower()):
        return str(found[0].alpha_2)
    return None


def country_name(code: str | None) -> str | None:
    if not code:
        return None
    c = pycountry.countries.get(alpha_2=code.upper())
    return str(getattr(c, "common_name", None) or c.name) if c else None
