"""Configuration from the environment, prefix LEADFLOW_ (e.g. LEADFLOW_DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.storage import DEFAULT_SQLITE_URL
from engine.workflow import default_workflows_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", extra="ignore")

    database_url: str = DEFAULT_SQLITE_URL
    workflows_dir: Path = default_workflows_dir()
    # Server secret for token hashes (HMAC); set it in production.
    secret: SecretStr = SecretStr("dev-only-insecure-secret")
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
