"""A small, safe XML reader that keeps line numbers.

Built directly on expat (the parser under ``xml.etree`` and ``defusedxml``), so that every element knows
the line it starts on, and so that nothing in the file can make the parser do more than read it:

* any ``<!DOCTYPE ...>`` is refused (official list files have none), which rules out entity expansion
  ("billion laughs"), external entities (``SYSTEM "file:///etc/passwd"``) and external DTDs;
* parameter entities are never parsed and no external reference is ever resolved;
* malformed or truncated XML is a :class:`ParseError` with expat's line number.

The tree is deliberately minimal: tag, attributes, start line, children and the character data directly
inside the element (child text is not included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from sanctions_ledger.errors import ParseError

_CHUNK = 1 << 20


@dataclass
class XmlNode:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list[XmlNode] = field(default_factory=list)
    _text: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        """Character data directly inside this element, verbatim."""
        return "".join(self._text)

    def find(self, tag: str) -> XmlNode | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[XmlNode]:
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag: str) -> str:
        """The text of the first child ``tag``, with whitespace collapsed; ``""`` when absent."""
        child = self.find(tag)
        return clean(child.text) if child is not None else ""

    def iter(self) -> Iterator[XmlNode]:
        yield self
        for child in self.children:
            yield from child.iter()


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (XML pretty-printing noise) to one space and strip."""
    return " ".join(text.split()) if text else ""


class Refused(Exception):
    """Something the safety rules forbid (a DOCTYPE, an entity, an external reference) at ``line``."""

    def __init__(self, what: str, line: int) -> None:
        self.message = f"{what} is not allowed in a list file (refused for safety)"
        super().__init__(self.message)
        self.line = line


def harden(parser: expat.XMLParserType) -> None:
    """Make ``parser`` raise :class:`Refused` at any DOCTYPE, entity declaration or external entity
    reference, and never parse parameter entities."""

    def refuse(what: str) -> None:
        raise Refused(what, parser.CurrentLineNumber)

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = lambda *a: refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = lambda *a: refuse("an entity declaration")
    parser.UnparsedEntityDeclHandler = lambda *a: refuse("an unparsed entity declaration")
    parser.ExternalEntityRefHandler = lambda *a: refuse("an external entity reference")  # type: ignore[assignment]


def refused_error(exc: Refused, path: str | Path) -> ParseError:
    """The :class:`ParseError` for a :class:`Refused` construct in ``path``."""
    return ParseError(
        exc.message,
        path=path,
        line=exc.line,
        hint="official list files carry no DTD; this file may have been tampered with",
    )


def malformed(exc: expat.ExpatError) -> str:
    """The start of the message for malformed XML: expat's reason and column."""
    return f"malformed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})"


def no_element(path: str | Path) -> ParseError:
    return ParseError("no XML element found", path=path, line=1)


class _Builder:
    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.stack: list[XmlNode] = []
        self.root: XmlNode | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        node = XmlNode(tag, attrib, self.parser.CurrentLineNumber)
        if self.stack:
            self.stack[-1].children.append(node)
        elif self.root is None:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1]._text.append(text)


def _make_parser() -> tuple[expat.XMLParserType, _Builder]:
    parser = expat.ParserCreate()
    builder = _Builder(parser)
    parser.buffer_text = True
    harden(parser)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    return parser, builder


def parse_xml(path: Path) -> XmlNode:
    """Parse ``path`` into an :class:`XmlNode` tree. Raises :class:`ParseError` naming file and line."""
    parser, builder = _make_parser()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except Refused as exc:
        raise refused_error(exc, path) from None
    except expat.ExpatError as exc:
        raise ParseError(
            malformed(exc),
            path=path,
            line=exc.lineno,
            hint="the file may be truncated or damaged; fetch it again",
        ) from None
    if builder.root is None:  # pragma: no cover - expat reports "no element found" first
        raise no_element(path)
    return builder.root
