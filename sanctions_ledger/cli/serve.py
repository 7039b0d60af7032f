"""``sanctions serve`` (the HTTP API and pages) and ``sanctions keys create|list|revoke``."""

from __future__ import annotations

import click

from sanctions_ledger.cli.main import get_ledger, json_option
from sanctions_ledger.cli.output import emit_json, table
from sanctions_ledger.ledger.store import default_actor
from sanctions_ledger.model.times import iso


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes, each with its own screening index (about 300 MB over every list). "
    "Default: one per CPU, at most 8.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, log_level: str) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) and the web pages (/ui)."""
    import os

    import uvicorn

    from sanctions_ledger.settings import Settings

    get_ledger(ctx)  # fail here, with the CLI's message, when the database cannot be opened or migrated
    db_url = ctx.obj["db_url"]
    if db_url:
        os.environ["SANCTIONS_DB"] = db_url
    # Batch jobs are rows in the database and files in one folder that every worker shares and that
    # outlives a restart (queued jobs are taken up again): by default, jobs/ in the data folder.
    if not os.environ.get("SANCTIONS_API_JOBS_DIR"):
        os.environ["SANCTIONS_API_JOBS_DIR"] = str(Settings.from_env(db_url).data_dir / "jobs")
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # /metrics adds up every worker's samples, kept in files in a folder of this server's own
        import atexit
        import shutil
        import tempfile

        metrics_dir = tempfile.mkdtemp(prefix="sanctions-metrics-")
        atexit.register(shutil.rmtree, metrics_dir, ignore_errors=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    click.echo(
        f"serving http://{host}:{port}/ with {workers} worker{'s' if workers > 1 else ''} "
        "(API docs at /docs, pages at /ui/)",
        err=True,
    )
    uvicorn.run(
        "sanctions_ledger.server.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=log_level == "debug",
    )


@click.group()
def keys() -> None:
    """API keys: create (the secret is shown once), list, revoke. Every change is in the audit log."""


@keys.command("create")
@click.option("--name", required=True, help="A name for the key (who or what uses it).")
@click.option(
    "--scope",
    type=click.Choice(["read", "analyst", "admin"]),
    default="read",
    show_default=True,
    help="read: read endpoints; analyst: also writes (actions); admin: also keys and the audit log.",
)
@json_option
@click.pass_context
def keys_create(ctx: click.Context, name: str, scope: str, as_json: bool) -> None:
    """Create an API key and print its secret (once: only its sha256 is stored)."""
    from sanctions_ledger.services.keys import create_key

    secret, key = create_key(get_ledger(ctx), name, scope, default_actor())
    if as_json:
        emit_json({**key.to_dict(), "key": secret})
        return
    click.echo(secret)
    click.echo(f"created API key {name!r} with scope {scope!r}; the secret above is shown only now", err=True)


@keys.command("list")
@json_option
@click.pass_context
def keys_list(ctx: click.Context, as_json: bool) -> None:
    """List API keys (names, scopes, dates; never secrets)."""
    from sanctions_ledger.services.keys import list_keys

    rows = list_keys(get_ledger(ctx))
    if as_json:
        emit_json([k.to_dict() for k in rows])
        return
    table(
        [(k.name, k.scope, iso(k.created_at), k.created_by, iso(k.revoked_at) or "active") for k in rows],
        ["name", "scope", "created_at", "created_by", "revoked"],
    )


@keys.command("revoke")
@click.argument("name")
@json_option
@click.pass_context
def keys_revoke(ctx: click.Context, name: str, as_json: bool) -> None:
    """Revoke the API key NAME (it stops working at once; its record stays)."""
    from sanctions_ledger.services.keys import revoke_key

    key = revoke_key(get_ledger(ctx), name, default_actor())
    if as_json:
        emit_json(key.to_dict())
    else:
        click.echo(f"revoked API key {name!r}")


def register(group: click.Group) -> None:
    group.add_command(serve)
    group.add_command(keys)
