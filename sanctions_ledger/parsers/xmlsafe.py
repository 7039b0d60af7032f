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


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


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

    def refuse(self, what: str) -> None:
        raise _Refused(
            f"{what} is not allowed in a list file (refused for safety)", self.parser.CurrentLineNumber
        )


def _make_parser() -> tuple[expat.XMLParserType, _Builder]:
    parser = expat.ParserCreate()
    builder = _Builder(parser)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = lambda *a: builder.refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = lambda *a: builder.refuse("an entity declaration")
    parser.UnparsedEntityDeclHandler = lambda *a: builder.refuse("an unparsed entity declaration")
    parser.ExternalEntityRefHandler = lambda *a: builder.refuse("an external entity reference")  # type: ignore[assignment]
    return parser, builder


def parse_xml(path: Path) -> XmlNode:
    """Parse ``path`` into an :class:`XmlNode` tree. Raises :class:`ParseError` naming file and line."""
    parser, builder = _make_parser()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused as exc:
        raise ParseError(
            exc.message,
            path=path,
            line=exc.line,
            hint="official list files carry no DTD; this file may have been tampered with",
        ) from None
    except expat.ExpatError as exc:
        raise ParseError(
            f"malformed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})",
            path=path,
            line=exc.lineno,
            hint="the file may be truncated or damaged; fetch it again",
        ) from None
    if builder.root is None:  # pragma: no cover - expat reports "no element found" first
        raise ParseError("no XML element found", path=path, line=1)
    return builder.root
