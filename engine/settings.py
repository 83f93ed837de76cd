"""Configuration from the environment, prefix LEADFLOW_ (e.g. LEADFLOW_DATABASE_URL).

One class for every setting. The entry point (the app factory, the CLI) reads it once at start
and hands it, or what it holds, down; nothing below reads the environment again."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.errors import ConfigError
from engine.storage import DEFAULT_SQLITE_URL
from engine.workflow import default_workflows_dir

# Public on purpose (a default for trying things out), so check_serving refuses it where
# others can connect: token hashes keyed with it no longer need the server's secret, and
# whoever can write the token table can mint tokens.
DEV_SECRET = "dev-only-insecure-secret"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", extra="ignore")

    database_url: str = DEFAULT_SQLITE_URL
    workflows_dir: Path = default_workflows_dir()
    # Server secret for token hashes (HMAC); set it in production.
    secret: SecretStr = SecretStr(DEV_SECRET)
    bootstrap_admin_token: SecretStr | None = None
    log_format: str = "console"  # console | json
    log_level: str = "info"
    sweep_interval_seconds: int = 60
    run_scheduler: bool = True
    # where `leadflow serve` and `leadflow demo` listen (cli/serve.py)
    host: str = "127.0.0.1"
    port: int = 8000
    # console sessions (engine/org/sessions.py): idle timeout and absolute lifetime
    session_idle_minutes: int = 30
    session_lifetime_hours: int = 12
    # The reporter identity key (engine/intake/identity.py): base64 of 32 bytes. Without it
    # everything works except storing or reading a reporter's identity.
    identity_key: SecretStr | None = None
    identity_read_roles: str = "office,admin"  # comma separated
    # The largest request body the API reads (LEADFLOW_MAX_BODY_BYTES); a larger one is 413
    # before any of it is parsed, with or without Content-Length.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The transparency log (engine/transparency, docs/transparency.md): the Ed25519 note key
    # that signs checkpoints (`leadflow keys new`), the checkpoints' origin line (default: the
    # key's name), how often the scheduler signs one, and the witnesses' verifier keys
    # (comma separated) whose cosignatures it accepts.
    tlog_signing_key: SecretStr | None = None
    tlog_origin: str = ""
    tlog_checkpoint_period_seconds: int = 300
    tlog_witness_keys: str = ""
    # GET /metrics (api/routes/metrics.py): off, loopback (only from this machine), or token
    # (Authorization: Bearer LEADFLOW_METRICS_TOKEN)
    metrics: Literal["off", "loopback", "token"] = "off"
    # Whether `serve` and `scheduler` run the migrations when they start. In production set
    # it false and migrate once with `leadflow init` (docs/operations.md)
    migrate_on_start: bool = True
    metrics_token: SecretStr | None = None

    def identity_readers(self) -> frozenset[str]:
        """The roles that may read a reporter's identity (LEADFLOW_IDENTITY_READ_ROLES)."""
        return frozenset(r.strip() for r in self.identity_read_roles.split(",") if r.strip())

    def check_serving(self, host: str) -> list[str]:
        """Whether these settings may serve on `host`: the warnings to print, or ConfigError.

        The default (or an empty) LEADFLOW_SECRET is refused on any address other machines can
        reach, and only warned about on a loopback one, where a developer tries things out."""
        secret = self.secret.get_secret_value()
        if secret and secret != DEV_SECRET:
            return []
        which = "the default" if secret else "an empty"
        if not is_loopback(host):
            raise ConfigError(
                f"LEADFLOW_SECRET is {which} secret, and {host!r} is reachable from other "
                "machines: the token hashes would be keyed with a value anyone can read. Set "
                "LEADFLOW_SECRET to a long random value (changing it invalidates every token), "
                "or serve on 127.0.0.1")
        return [f"LEADFLOW_SECRET is {which} secret: fine on {host}, never on a public "
                "address"]


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine. A name other than localhost may resolve
    anywhere, so it counts as public, and so does the wildcard (every interface)."""
    name = host.strip().removeprefix("[").removesuffix("]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
