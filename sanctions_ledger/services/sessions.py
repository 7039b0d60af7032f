"""Web sign-in: an API key exchanged for a session, kept in the database, ended by signing out.

The browser holds a random session secret (256 bits) in an HttpOnly cookie; the server stores only its
sha256 digest with the key's name, the expiry and, once signed out, the end. A session is good while it is
neither expired nor ended and its key is not revoked: the key is checked on every request, so revoking a
key signs its sessions out everywhere. Signing in and out are in the audit log under ``api-key:<name>``.

The form token against cross-site requests (CSRF) of a signed-in browser is derived from its session secret
(:func:`csrf_token`), so it needs no storage and cannot be known without the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from sanctions_ledger.errors import AuthError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.keys_tables import api_keys
from sanctions_ledger.ledger.sessions_tables import web_sessions as S
from sanctions_ledger.services.keys import ApiKey, digest, verify_key

log = logging.getLogger("sanctions_ledger.services.sessions")

SECRET_CHARS = 43  # secrets.token_urlsafe(32)
PURGE_AFTER_DAYS = 7


@dataclass(frozen=True)
class Session:
    secret: str
    key: ApiKey
    expires_at: datetime

    @property
    def csrf(self) -> str:
        return csrf_token(self.secret)


def csrf_token(secret: str) -> str:
    """The form token of the session (or of an anonymous browser's token cookie) with this secret."""
    return hmac.new(
        secret.encode("ascii", "replace"), b"sanctions-ledger csrf v1", hashlib.sha256
    ).hexdigest()


def sign_in(ledger: Ledger, api_key_secret: str, hours: float) -> Session:
    """A new session for the key with this secret, valid ``hours``. Raises AuthError for a bad key."""
    key = verify_key(ledger, api_key_secret.strip())
    if key is None:
        log.warning("web sign-in refused: unknown or revoked API key")
        raise AuthError(
            "unknown or revoked API key",
            hint="paste the whole key (sk_...) as `sanctions keys create` showed it",
        )
    secret = secrets.token_urlsafe(32)
    now = t.utcnow()
    expires = now + timedelta(hours=hours)
    with ledger.engine.begin() as conn:
        # sessions that ended long ago are of no use (signing in and out is in the audit log): drop them
        conn.execute(S.delete().where(S.c.expires_at < now - timedelta(days=PURGE_AFTER_DAYS)))
        conn.execute(
            S.insert().values(id_sha256=digest(secret), key_name=key.name, created_at=now, expires_at=expires)
        )
        ledger.audit(conn, key.actor, "web.sign_in", key.name, {"expires_at": expires.isoformat()})
    return Session(secret, key, expires)


def lookup(ledger: Ledger, secret: str) -> Session | None:
    """The live session with this secret (not expired, not ended, its key not revoked), or None."""
    if len(secret) != SECRET_CHARS:
        return None
    h = digest(secret)
    with ledger.engine.connect() as conn:
        r = conn.execute(
            select(S, api_keys.c.scopes, api_keys.c.created_at.label("key_created_at"), api_keys.c.created_by)
            .join(api_keys, api_keys.c.name == S.c.key_name)
            .where(S.c.id_sha256 == h, S.c.ended_at.is_(None), api_keys.c.revoked_at.is_(None))
        ).first()
    if r is None or not hmac.compare_digest(str(r.id_sha256), h) or r.expires_at <= t.utcnow():
        return None
    scope = str(r.scopes).split()[0] if r.scopes else "read"
    key = ApiKey(r.key_name, scope, r.key_created_at, r.created_by or "", None)
    return Session(secret, key, r.expires_at)


def sign_out(ledger: Ledger, secret: str) -> bool:
    """End the session with this secret; False when there was no live one."""
    session = lookup(ledger, secret)
    if session is None:
        return False
    with ledger.engine.begin() as conn:
        conn.execute(update(S).where(S.c.id_sha256 == digest(secret)).values(ended_at=t.utcnow()))
        ledger.audit(conn, session.key.actor, "web.sign_out", session.key.name, {})
    return True
