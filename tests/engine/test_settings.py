"""One Settings class: every LEADFLOW_ variable, and the check `leadflow serve` runs before
listening."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from engine.errors import ConfigError
from engine.settings import DEV_SECRET, Settings, is_loopback

PUBLIC = ("0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.5", "leadflow.example.org", "")
LOOPBACK = ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST")


@pytest.fixture
def default_secret(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("LEADFLOW_SECRET", raising=False)
    settings = Settings()
    assert settings.secret.get_secret_value() == DEV_SECRET
    return settings


@pytest.mark.parametrize("host", PUBLIC)
def test_default_secret_is_refused_on_a_public_address(default_secret: Settings,
                                                       host: str) -> None:
    """Serving where other machines can connect with the published secret is a ConfigError
    that says which setting to change."""
    with pytest.raises(ConfigError, match="LEADFLOW_SECRET is the default secret"):
        default_secret.check_serving(host)


@pytest.mark.parametrize("host", LOOPBACK)
def test_default_secret_is_a_warning_on_loopback(default_secret: Settings, host: str) -> None:
    """On this machine only, the default secret is allowed, with one warning."""
    warnings = default_secret.check_serving(host)
    assert len(warnings) == 1
    assert "LEADFLOW_SECRET" in warnings[0]


def test_empty_secret_is_treated_like_the_default() -> None:
    """An empty secret keys the hashes with nothing at all: refused in public, warned locally."""
    settings = Settings(secret=SecretStr(""))
    with pytest.raises(ConfigError, match="an empty secret"):
        settings.check_serving("0.0.0.0")
    assert settings.check_serving("127.0.0.1")


@pytest.mark.parametrize("host", PUBLIC + LOOPBACK)
def test_a_real_secret_serves_anywhere_without_warnings(host: str) -> None:
    assert Settings(secret=SecretStr("a-long-random-production-secret")).check_serving(host) == []


def test_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """LEADFLOW_SECRET set in the environment is what the check looks at."""
    monkeypatch.setenv("LEADFLOW_SECRET", "from-the-environment")
    assert Settings().check_serving("0.0.0.0") == []


@pytest.mark.parametrize(("host", "loopback"), [*((h, False) for h in PUBLIC),
                                                *((h, True) for h in LOOPBACK)])
def test_is_loopback(host: str, loopback: bool) -> None:
    """Only loopback addresses and `localhost` count as this machine; a name may resolve
    anywhere and the wildcard listens everywhere."""
    assert is_loopback(host) is loopback


def test_identity_settings_are_folded_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """LEADFLOW_IDENTITY_KEY and LEADFLOW_IDENTITY_READ_ROLES keep their names."""
    key = base64.b64encode(b"\x01" * 32).decode()
    monkeypatch.setenv("LEADFLOW_IDENTITY_KEY", key)
    monkeypatch.setenv("LEADFLOW_IDENTITY_READ_ROLES", " office ,supervisor,,")
    settings = Settings()
    assert settings.identity_key is not None
    assert settings.identity_key.get_secret_value() == key
    assert settings.identity_readers() == {"office", "supervisor"}


def test_identity_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key by default; office and admin may read identities."""
    monkeypatch.delenv("LEADFLOW_IDENTITY_KEY", raising=False)
    monkeypatch.delenv("LEADFLOW_IDENTITY_READ_ROLES", raising=False)
    settings = Settings()
    assert settings.identity_key is None
    assert settings.identity_readers() == {"office", "admin"}
