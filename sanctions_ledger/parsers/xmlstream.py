"""Streaming, safe XML reading with line numbers, for list files too large to hold as one tree.

The same safety rules as :mod:`sanctions_ledger.parsers.xmlsafe` (built on expat: any DOCTYPE, entity
declaration or external reference is refused; malformed or truncated XML is a :class:`ParseError` with
expat's line), but instead of building the whole document, :func:`stream` yields each *record* element (one
whose local name is in ``records``) as a small :class:`XmlNode` tree the moment it closes, and then forgets
it. Everything outside records is kept only as the chain of open ancestors, so memory stays bounded by the
largest record.

Tags are local names (the namespace is dropped); :attr:`Stream.root_namespace` keeps the root element's
namespace so a parser can check it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from xml.parsers import expat

from sanctions_ledger.errors import ParseError
from sanctions_ledger.parsers.xmlsafe import XmlNode

__all__ = ["Stream", "XmlNode", "iter_children", "stream"]

_CHUNK = 1 << 16


class BinaryReader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Stream:
    """One pass over a document. Iterate it for ``(path, node)`` pairs: ``path`` is the tuple of the
    record's ancestors' local names (root first), ``node`` the complete record."""

    def __init__(self, fp: BinaryReader, name: str | Path, records: frozenset[str] | None) -> None:
        self.fp = fp
        self.name = str(name)
        self.records = records  # None: every child of the root is a record
        self.root_tag: str | None = None
        self.root_line = 1
        self.root_namespace: str | None = None
        self.root_attrib: dict[str, str] = {}
        self._parser = expat.ParserCreate(namespace_separator="}")
        self._stack: list[XmlNode] = []
        self._ancestors: list[str] = []
        self._ready: list[tuple[tuple[str, ...], XmlNode]] = []
        self._final = False
        self._local: dict[str, str] = {}  # expat's "namespace}local" -> local
        p = self._parser
        p.buffer_text = True
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._data
        p.StartDoctypeDeclHandler = lambda *a: self._refuse("a DOCTYPE declaration")
        p.EntityDeclHandler = lambda *a: self._refuse("an entity declaration")
        p.UnparsedEntityDeclHandler = lambda *a: self._refuse("an unparsed entity declaration")
        p.ExternalEntityRefHandler = lambda *a: self._refuse("an external entity reference")  # type: ignore[assignment]

    @property
    def line(self) -> int:
        return int(self._parser.CurrentLineNumber)

    def _refuse(self, what: str) -> None:
        raise _Refused(f"{what} is not allowed in a list file (refused for safety)", self.line)

    def _start(self, tag: str, attrib: dict[str, str]) -> None:
        local = self._local.get(tag)
        if local is None:
            ns, _, local = tag.rpartition("}")
            self._local[tag] = local
            if self.root_tag is None:
                self.root_tag, self.root_namespace, self.root_attrib = local, ns or None, dict(attrib)
                self.root_line = int(self._parser.CurrentLineNumber)
        if attrib and any("}" in k for k in attrib):
            # attribute names lose their namespace too (xsi:schemaLocation -> schemaLocation)
            attrib = {k.rpartition("}")[2]: v for k, v in attrib.items()}
        if self._stack:
            node = XmlNode(local, attrib, self._parser.CurrentLineNumber)
            self._stack[-1].children.append(node)
            self._stack.append(node)
        elif (local in self.records) if self.records is not None else len(self._ancestors) == 1:
            self._stack.append(XmlNode(local, attrib, self._parser.CurrentLineNumber))
        else:
            self._ancestors.append(local)

    def _end(self, tag: str) -> None:
        if self._stack:
            node = self._stack.pop()
            if not self._stack:
                self._ready.append((tuple(self._ancestors), node))
        else:
            self._ancestors.pop()

    def _data(self, text: str) -> None:
        if self._stack:
            self._stack[-1]._text.append(text)

    def __iter__(self) -> Iterator[tuple[tuple[str, ...], XmlNode]]:
        try:
            while chunk := self.fp.read(_CHUNK):
                self._parser.Parse(chunk, False)
                if self._ready:
                    ready, self._ready = self._ready, []
                    yield from ready
            self._final = True
            self._parser.Parse(b"", True)
        except _Refused as exc:
            raise ParseError(
                exc.message,
                path=self.name,
                line=exc.line,
                hint="official list files carry no DTD; this file may have been tampered with",
            ) from None
        except expat.ExpatError as exc:
            open_path = "/".join(self._ancestors + [n.tag for n in self._stack])
            where = f" inside <{open_path}>" if open_path else ""
            raise ParseError(
                f"malformed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1}){where}"
                + (" (the file looks truncated)" if self._final else ""),
                path=self.name,
                line=exc.lineno,
                hint="the file may be cut short, damaged or not in its declared encoding; fetch it again",
            ) from None
        yield from self._ready
        self._ready = []
        if self.root_tag is None:  # pragma: no cover - expat reports "no element found" first
            raise ParseError("no XML element found", path=self.name, line=1)


def stream(fp: BinaryReader, name: str | Path, records: frozenset[str]) -> Stream:
    """A :class:`Stream` over ``fp`` (``name`` is used in error messages) yielding ``records`` elements."""
    return Stream(fp, name, records)


def iter_children(path: Path) -> Iterator[XmlNode]:
    """The root element first (tag, attributes and line; no children; its namespace, if any, as the
    ``xmlns`` attribute), then each complete child of the root in document order, tags as local names.
    Raises :class:`ParseError` naming file and line."""

    def root(st: Stream) -> XmlNode:
        attrib = dict(st.root_attrib)
        if st.root_namespace:
            attrib["xmlns"] = st.root_namespace
        return XmlNode(st.root_tag or "", attrib, st.root_line)

    with path.open("rb") as f:
        st = Stream(f, path, None)
        sent = False
        for _, node in st:
            if not sent:
                sent = True
                yield root(st)
            yield node
        if not sent and st.root_tag is not None:
            yield root(st)
