"""Korean romanisation variants: McCune–Reischauer, Revised Romanization and the spellings people use.

:func:`korean_key` maps a romanised Korean name token to a key shared by its variants (``Ri``/``Lee``/
``Yi``/``Rhee``; ``Jong``/``Jeong``/``Chong``/``Jung``; ``Chol``/``Cheol``; ``Kwang``/``Gwang``;
``Jong-un``/``Jongun``/``Jeongeun``). It returns ``None`` for tokens that cannot be read as a sequence of
romanised Korean syllables, so that the loose key is never applied to, say, ``Robert``.
"""

from __future__ import annotations

import functools
import re

# Surnames whose spellings differ beyond syllable rules.
_SURNAMES: dict[str, str] = {}
for _key, _spellings in {
    "ri": "ri lee yi rhee rhie li yee i ree",
    "pak": "pak park bak bahk pack",
    "choe": "choe choi chwe choy",
    "kim": "kim gim kym",
    "cong": "jong jeong chong jung cheong chung joung jeung",
    "kang": "kang gang",
    "ko": "ko go koh",
    "kwon": "kwon gwon kwun",
    "co": "cho jo joe",
    "o": "o oh",
    "yun": "yun yoon youn",
    "yu": "yu yoo ryu you yoo",
    "sin": "sin shin",
    "so": "so seo suh sur",
    "cang": "chang jang",
    "rim": "rim im lim",
    "ro": "ro no roh noh",
    "yang": "yang ryang",
    "kil": "kil gil",
    "tong": "tong dong",
    "pae": "pae bae",
    "kye": "kye gye",
    "ku": "ku gu koo",
    "kong": "kong gong",
    "con": "chon jeon chun jun cheon",
    "ryom": "ryom yeom yom",
    "hyon": "hyon hyeon hyun",
    "ha": "ha",
    "mun": "mun moon",
    "u": "u woo",
    "om": "om eom",
    "nam": "nam",
    "kwak": "kwak gwak",
}.items():
    for _s in _spellings.split():
        _SURNAMES[_s] = _key

_ONSET = r"(?:kk|tt|pp|ss|jj|tch|ch|sh|ng|[gkndtrlmbpsjhcy]|w)?"
_NUCLEUS = r"(?:yae|yeo|yai|weo|wae|ae|ya|eo|ye|yo|wa|oe|oi|wo|we|wi|yu|eu|ui|ai|[aeiou])"
_CODA = r"(?:ng|[nmlkptgbr])?"
_SYLLABLES = re.compile(rf"^(?:{_ONSET}{_NUCLEUS}{_CODA})+$")

_RULES: tuple[tuple[str, str], ...] = (
    ("eo", "o"),
    ("eu", "u"),
    ("ae", "ae"),
    ("oi", "oe"),
    ("weo", "wo"),
    ("wo", "wo"),
    ("kk", "k"),
    ("tt", "t"),
    ("pp", "p"),
    ("ss", "s"),
    ("jj", "j"),
    ("tch", "ch"),
    ("sh", "s"),
    ("ch", "c"),
    ("j", "c"),
    ("g", "k"),
    ("d", "t"),
    ("b", "p"),
    ("l", "r"),
)


@functools.lru_cache(maxsize=200_000)
def korean_key(token: str) -> str | None:
    """A key shared by romanisation variants of a Korean name token, or ``None``."""
    if token in _SURNAMES:
        return _SURNAMES[token]
    if len(token) < 2 or not _SYLLABLES.match(token):
        return None
    s = token
    for a, b in _RULES:
        s = s.replace(a, b)
    # "ng" written as "k" + "g" across syllables in RR/MR pairs is rare; "ngk" vs "ngg" both become "nk".
    return s.replace("nk", "nk")
