"""Streaming XML: the root element, then each of its children as a small :class:`XmlNode` tree, one at a
time, so a list of any size is read in memory proportional to one record.

Same safety as :mod:`sanctions_ledger.parsers.xmlsafe` (expat; any DOCTYPE, entity declaration or external
reference is refused; malformed or truncated XML is a :class:`ParseError` with the line), and the same
node shape, so record parsers work on either.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from sanctions_ledger.errors import ParseError
from sanctions_ledger.parsers.xmlsafe import XmlNode

_CHUNK = 1 << 16


class _Refused(Exception):
    def __init__(self, what: str, line: int) -> None:
        super().__init__(what)
        self.what = what
        self.line = line


class _Stream:
    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.root: XmlNode | None = None
        self.stack: list[XmlNode] = []
        self.done: list[XmlNode] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        node = XmlNode(tag, attrib, self.parser.CurrentLineNumber)
        if self.root is None:
            self.root = node
            return
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
        raise _Refused(what, self.parser.CurrentLineNumber)


def iter_children(path: Path) -> Iterator[XmlNode]:
    """The root element first (tag, attributes and line; no children), then each complete child of the
    root in document order. Raises :class:`ParseError` naming file and line."""
    parser = expat.ParserCreate()
    st = _Stream(parser)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = st.start
    parser.EndElementHandler = st.end
    parser.CharacterDataHandler = st.data
    parser.StartDoctypeDeclHandler = lambda *a: st.refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = lambda *a: st.refuse("an entity declaration")
    parser.UnparsedEntityDeclHandler = lambda *a: st.refuse("an unparsed entity declaration")
    parser.ExternalEntityRefHandler = lambda *a: st.refuse("an external entity reference")  # type: ignore[assignment]
    root_sent = False
    try:
        with path.open("rb") as f:
            while True:
                chunk = f.read(_CHUNK)
                parser.Parse(chunk, not chunk)
                if st.root is not None and not root_sent:
                    root_sent = True
                    yield st.root
                yield from st.done
                st.done.clear()
                if not chunk:
                    break
    except _Refused as exc:
        raise ParseError(
            f"{exc.what} is not allowed in a list file (refused for safety)",
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
    if st.root is None:  # pragma: no cover - expat reports "no element found" first
        raise ParseError("no XML element found", path=path, line=1)
