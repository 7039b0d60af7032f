"""API keys: created with a scope, shown once, stored as a sha256 digest, revocable, every change audited.

Scopes are ordered: ``read`` < ``analyst`` < ``admin``; a key is good for its own scope and every scope
below it. Key secrets look like ``sk_<43 url-safe characters>`` (256 bits from :mod:`secrets`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.keys_tables import api_keys
from sanctions_ledger.model.times import iso

SCOPES = ("read", "analyst", "admin")
_RANK = {s: i for i, s in enumerate(SCOPES)}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
PREFIX = "sk_"


@dataclass(frozen=True)
class ApiKey:
    name: str
    scope: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def actor(self) -> str:
        return f"api-key:{self.name}"

    def allows(self, scope: str) -> bool:
        return self.revoked_at is None and _RANK[self.scope] >= _RANK[scope]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "revoked_at": iso(self.revoked_at),
            "active": self.revoked_at is None,
        }


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _row_key(r: Any) -> ApiKey:
    scope = str(r.scopes).split()[0] if r.scopes else "read"
    return ApiKey(
        name=r.name,
        scope=scope,
        created_at=r.created_at,
        created_by=r.created_by or "",
        revoked_at=r.revoked_at,
    )


def check_scope(scope: str) -> str:
    if scope not in _RANK:
        raise InputError(f"unknown scope {scope!r}", hint=f"use one of: {', '.join(SCOPES)}")
    return scope


def create_key(ledger: Ledger, name: str, scope: str, actor: str) -> tuple[str, ApiKey]:
    """Create a key; returns ``(secret, key)``. The secret is not stored and cannot be shown again."""
    if not _NAME.match(name):
        raise InputError(
            f"invalid key name {name!r}",
            hint="1-64 characters: letters, digits, '.', '_', '-', '@', starting with a letter or digit",
        )
    check_scope(scope)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = t.utcnow()
    try:
        with ledger.engine.begin() as conn:
            taken = conn.execute(select(api_keys.c.id).where(api_keys.c.name == name)).first()
            if taken is not None:
                raise ConflictError(
                    f"an API key named {name!r} already exists",
                    hint="choose another name (revoked names stay reserved for the audit trail)",
                )
            conn.execute(
                api_keys.insert().values(
                    name=name, scopes=scope, key_sha256=digest(secret), created_at=now, created_by=actor
                )
            )
            ledger.audit(conn, actor, "keys.create", name, {"scope": scope})
    except IntegrityError as exc:
        raise ConflictError(f"an API key named {name!r} already exists") from exc
    return secret, ApiKey(name, scope, now, actor, None)


def list_keys(ledger: Ledger) -> list[ApiKey]:
    with ledger.engine.connect() as conn:
        return [_row_key(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.name))]


def revoke_key(ledger: Ledger, name: str, actor: str) -> ApiKey:
    with ledger.engine.begin() as conn:
        r = conn.execute(select(api_keys).where(api_keys.c.name == name)).first()
        if r is None:
            raise NotFoundError(f"no API key named {name!r}", hint="`sanctions keys list` shows them")
        if r.revoked_at is not None:
            raise ConflictError(f"API key {name!r} was already revoked at {iso(r.revoked_at)}")
        now = t.utcnow()
        conn.execute(update(api_keys).where(api_keys.c.id == r.id).values(revoked_at=now))
        ledger.audit(conn, actor, "keys.revoke", name, {"scope": _row_key(r).scope})
    key = _row_key(r)
    return ApiKey(key.name, key.scope, key.created_at, key.created_by, now)


def verify_key(ledger: Ledger, secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None (unknown or revoked)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    h = digest(secret)
    with ledger.engine.connect() as conn:
        r = conn.execute(select(api_keys).where(api_keys.c.key_sha256 == h)).first()
    if r is None or not hmac.compare_digest(str(r.key_sha256), h) or r.revoked_at is not None:
        return None
    return _row_key(r)
