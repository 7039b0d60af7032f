"""Streaming, safe XML reading with line numbers, for list files too large to hold as one tree.

The same safety rules as :mod:`sanctions_ledger.parsers.xmlsafe` (built on expat: any DOCTYPE, entity
declaration or external reference is refused; malformed or truncated XML is a :class:`ParseError` with
expat's line), but instead of building the whole document, :func:`stream` yields each *record* element (one
whose local name is in ``records``) as a small :class:`XmlNode` tree the moment it closes, and then forgets
it. Everything outside records is kept only as the chain of open ancestors, so memory stays bounded by the
largest record.

Tags are local names (the namespace is dropped); :attr:`Stream.root_namespace` keeps the root element's
namespace so a parser can check it. With ``qualified=True`` tags and attribute names of namespaced elements
are spelled ``{uri}local`` instead (as in ``xml.etree``), so a parser can tell every element of the right
namespace from one of another.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from xml.parsers import expat

from sanctions_ledger.errors import ParseError
from sanctions_ledger.parsers.xmlsafe import Refused, XmlNode, harden, malformed, no_element, refused_error

__all__ = ["Stream", "XmlNode", "iter_children", "local", "stream"]

_CHUNK = 1 << 16


def local(tag: str) -> str:
    """``{uri}local`` -> ``local``."""
    return tag.rpartition("}")[2]


class BinaryReader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class Stream:
    """One pass over a document. Iterate it for ``(path, node)`` pairs: ``path`` is the tuple of the
    record's ancestors' local names (root first), ``node`` the complete record."""

    def __init__(
        self, fp: BinaryReader, name: str | Path, records: frozenset[str] | None, *, qualified: bool = False
    ) -> None:
        self.fp = fp
        self.qualified = qualified
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
        self._names: dict[str, str] = {}  # expat's "namespace}local" -> "{namespace}local"
        p = self._parser
        p.buffer_text = True
        harden(p)
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._data

    @property
    def line(self) -> int:
        return int(self._parser.CurrentLineNumber)

    def _name(self, raw: str) -> str:
        name = self._names.get(raw)
        if name is None:
            ns, sep, loc = raw.rpartition("}")
            name = self._names[raw] = f"{{{ns}}}{loc}" if sep else raw
        return name

    def _start(self, tag: str, attrib: dict[str, str]) -> None:
        loc = self._local.get(tag)
        if loc is None:
            ns, _, loc = tag.rpartition("}")
            self._local[tag] = loc
            if self.root_tag is None:
                self.root_tag, self.root_namespace, self.root_attrib = loc, ns or None, dict(attrib)
                self.root_line = int(self._parser.CurrentLineNumber)
        name = self._name(tag) if self.qualified else loc
        if attrib and any("}" in k for k in attrib):
            # attribute names lose their namespace too (xsi:schemaLocation -> schemaLocation), or are
            # spelled {uri}local when qualified
            spell = self._name if self.qualified else local
            attrib = {spell(k): v for k, v in attrib.items()}
        if self._stack:
            node = XmlNode(name, attrib, self._parser.CurrentLineNumber)
            self._stack[-1].children.append(node)
            self._stack.append(node)
        elif (loc in self.records) if self.records is not None else len(self._ancestors) == 1:
            self._stack.append(XmlNode(name, attrib, self._parser.CurrentLineNumber))
        else:
            self._ancestors.append(loc)

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
        except Refused as exc:
            raise refused_error(exc, self.name) from None
        except expat.ExpatError as exc:
            open_path = "/".join(self._ancestors + [local(n.tag) for n in self._stack])
            where = f" inside <{open_path}>" if open_path else ""
            raise ParseError(
                f"{malformed(exc)}{where}" + (" (the file looks truncated)" if self._final else ""),
                path=self.name,
                line=exc.lineno,
                hint="the file may be cut short, damaged or not in its declared encoding; fetch it again",
            ) from None
        yield from self._ready
        self._ready = []
        if self.root_tag is None:  # pragma: no cover - expat reports "no element found" first
            raise no_element(self.name)


def stream(fp: BinaryReader, name: str | Path, records: frozenset[str]) -> Stream:
    """A :class:`Stream` over ``fp`` (``name`` is used in error messages) yielding ``records`` elements."""
    return Stream(fp, name, records)


def iter_children(path: Path, *, qualified: bool = False) -> Iterator[XmlNode]:
    """The root element first (tag, attributes and line; no children; its namespace, if any, as the
    ``xmlns`` attribute), then each complete child of the root in document order, tags as local names
    (``{uri}local`` when ``qualified``, the root's too). Raises :class:`ParseError` naming file and line.
    Records yielded before an error are complete, but a caller must not store anything until the
    iteration ends."""

    def root(st: Stream) -> XmlNode:
        attrib = dict(st.root_attrib)
        tag = st.root_tag or ""
        if st.root_namespace:
            attrib["xmlns"] = st.root_namespace
            if qualified:
                tag = f"{{{st.root_namespace}}}{tag}"
        return XmlNode(tag, attrib, st.root_line)

    with path.open("rb") as f:
        st = Stream(f, path, None, qualified=qualified)
        sent = False
        for _, node in st:
            if not sent:
                sent = True
                yield root(st)
            yield node
        if not sent and st.root_tag is not None:
            yield root(st)
