"""Streaming, safe XML reading for list files with one element per record under the root.

:func:`iter_records` reads the file in chunks with expat and hands over each child of the root element as
an :class:`~sanctions_ledger.parsers.xmlsafe.XmlNode` subtree as soon as it is closed, so memory holds one
record at a time instead of the whole document. Tags of namespaced elements are spelled ``{uri}local``
(as in ``xml.etree``), so a parser can tell a file of the right namespace from one of another.

The same safety rules as :mod:`~sanctions_ledger.parsers.xmlsafe` apply: a DOCTYPE, an entity declaration
or an external entity reference is refused; malformed or truncated XML is a :class:`ParseError` with the
line (and the tag of the record being read when the error hits inside one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from sanctions_ledger.errors import ParseError
from sanctions_ledger.parsers.xmlsafe import XmlNode

_CHUNK = 1 << 20
_SEP = "\x1f"


@dataclass
class XmlRoot:
    """The root element's tag (``{uri}local``), attributes and line."""

    tag: str
    attrib: dict[str, str]
    line: int


def local(tag: str) -> str:
    """``{uri}local`` -> ``local``."""
    return tag.rpartition("}")[2]


def _name(raw: str) -> str:
    uri, sep, loc = raw.partition(_SEP)
    return f"{{{uri}}}{loc}" if sep else raw


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Stream:
    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.root: XmlRoot | None = None
        self.stack: list[XmlNode] = []
        self.done: list[XmlNode] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        line = self.parser.CurrentLineNumber
        name = _name(tag)
        attrs = {_name(k): v for k, v in attrib.items()}
        if self.root is None:
            self.root = XmlRoot(name, attrs, line)
            return
        node = XmlNode(name, attrs, line)
        if self.stack:
            self.stack[-1].children.append(node)
        self.stack.append(node)

    def end(self, tag: str) -> None:
        if not self.stack:
            return  # the root closes
        node = self.stack.pop()
        if not self.stack:
            self.done.append(node)

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1]._text.append(text)

    def refuse(self, what: str) -> None:
        raise _Refused(
            f"{what} is not allowed in a list file (refused for safety)", self.parser.CurrentLineNumber
        )


def _make(namespaces: bool) -> tuple[expat.XMLParserType, _Stream]:
    parser = expat.ParserCreate(namespace_separator=_SEP) if namespaces else expat.ParserCreate()
    stream = _Stream(parser)
    parser.buffer_text = True
    parser.ordered_attributes = False
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = stream.start
    parser.EndElementHandler = stream.end
    parser.CharacterDataHandler = stream.data
    parser.StartDoctypeDeclHandler = lambda *a: stream.refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = lambda *a: stream.refuse("an entity declaration")
    parser.UnparsedEntityDeclHandler = lambda *a: stream.refuse("an unparsed entity declaration")
    parser.ExternalEntityRefHandler = lambda *a: stream.refuse("an external entity reference")  # type: ignore[assignment]
    return parser, stream


def _where(stream: _Stream) -> str:
    if stream.stack:
        rec = stream.stack[0]
        return f" inside <{local(rec.tag)}> that starts at line {rec.line}"
    return ""


def iter_records(path: Path, *, namespaces: bool = True) -> Iterator[XmlRoot | XmlNode]:
    """Yield the root (an :class:`XmlRoot`) first, then each child of the root as a complete subtree.

    Raises :class:`ParseError` naming the file and line for malformed, truncated or unsafe XML. Records
    yielded before an error are complete, but a caller must not store anything until the iteration ends.
    """
    parser, stream = _make(namespaces)
    root_sent = False
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                parser.Parse(chunk, False)
                if stream.root is not None and not root_sent:
                    root_sent = True
                    yield stream.root
                if stream.done:
                    done, stream.done = stream.done, []
                    yield from done
            parser.Parse(b"", True)
    except _Refused as exc:
        raise ParseError(
            exc.message,
            path=path,
            line=exc.line,
            hint="official list files carry no DTD; this file may have been tampered with",
        ) from None
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code)
        hint = "the file may be truncated or damaged; fetch it again"
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]:
            hint = "a byte that is not valid in the file's declared encoding (UTF-8?), or damaged XML"
        raise ParseError(
            f"malformed XML: {reason} (column {exc.offset + 1}){_where(stream)}",
            path=path,
            line=exc.lineno,
            hint=hint,
        ) from None
    if stream.root is None:  # pragma: no cover - expat reports "no element found" first
        raise ParseError("no XML element found", path=path, line=1)
    if not root_sent:
        yield stream.root
    yield from stream.done
