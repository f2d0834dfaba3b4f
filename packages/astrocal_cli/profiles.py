"""Profiles: which API key and base URL a command uses.

Stored as JSON in ``<user config dir>/astrocal/config.json`` (``ASTROCAL_CONFIG_DIR`` overrides the
directory), written with mode 0600 because it holds secrets. Resolution order for one command:

- profile: ``--profile``, else ``ASTROCAL_PROFILE``, else the file's ``default_profile``, else ``default``
- API key: ``ASTROCAL_API_KEY``, else the profile's key
- base URL: ``ASTROCAL_BASE_URL`` (or ``ASTROCAL_API_URL``), else the profile's, else the local server
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PROFILE",
    "ConfigError",
    "ConfigFile",
    "Profile",
    "Resolved",
    "config_dir",
    "mask_key",
    "resolve",
]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_PROFILE = "default"


class ConfigError(Exception):
    """The configuration file is unreadable, or a command needs a key that is not configured."""


@dataclass(frozen=True)
class Profile:
    api_key: str | None = None
    base_url: str | None = None

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in (("api_key", self.api_key), ("base_url", self.base_url)) if v}


@dataclass(frozen=True)
class Resolved:
    """What one command will use, and where each value came from (``whoami`` shows it)."""

    profile: str
    api_key: str | None
    base_url: str
    api_key_source: str
    base_url_source: str


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    explicit = env.get("ASTROCAL_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_config_dir

    return Path(user_config_dir("astrocal", appauthor=False))


def mask_key(key: str) -> str:
    """``sk_test_Ab12…wxyz``: enough to recognise a key, not enough to use it."""
    prefix, _, rest = key.rpartition("_")
    if len(rest) < 12:
        return f"{prefix}_…" if prefix else "…"
    return f"{prefix}_{rest[:4]}…{rest[-4:]}"


class ConfigFile:
    """The profiles file. Reads lazily; every write replaces the file atomically with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] | None = None

    @classmethod
    def default(cls, env: Mapping[str, str] | None = None) -> ConfigFile:
        return cls(config_dir(env) / "config.json")

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            try:
                text = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                text = ""
            except OSError as exc:
                raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
            try:
                data = json.loads(text) if text.strip() else {}
            except ValueError:
                raise ConfigError(
                    f"{self.path} is not valid JSON; fix it or delete it and run `astrocal login`"
                ) from None
            if not isinstance(data, dict) or not isinstance(data.get("profiles", {}), dict):
                raise ConfigError(
                    f"{self.path} has an unexpected shape; delete it and log in again"
                )
            self._data = data
        return self._data

    @property
    def default_profile(self) -> str:
        name = self._load().get("default_profile")
        return name if isinstance(name, str) and name else DEFAULT_PROFILE

    def profiles(self) -> dict[str, Profile]:
        raw = self._load().get("profiles", {})
        return {
            name: Profile(api_key=entry.get("api_key"), base_url=entry.get("base_url"))
            for name, entry in raw.items()
            if isinstance(entry, dict)
        }

    def get(self, name: str) -> Profile | None:
        return self.profiles().get(name)

    def set(self, name: str, profile: Profile, *, make_default: bool = False) -> None:
        data = self._load()
        data.setdefault("profiles", {})[name] = profile.to_json()
        if make_default or "default_profile" not in data:
            data["default_profile"] = name
        self._write(data)

    def remove(self, name: str) -> bool:
        data = self._load()
        profiles = data.setdefault("profiles", {})
        if name not in profiles:
            return False
        del profiles[name]
        if data.get("default_profile") == name:
            data.pop("default_profile")
        self._write(data)
        return True

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Write a private temporary file next to the target, then rename: the secret never sits in
        # a world-readable file, and a crash never leaves half a config behind.
        fd, tmp = tempfile.mkstemp(prefix=".config-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.write("\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._data = data


def resolve(
    config: ConfigFile, profile: str | None, env: Mapping[str, str] | None = None
) -> Resolved:
    env = os.environ if env is None else env
    name = profile or env.get("ASTROCAL_PROFILE") or config.default_profile
    stored = config.get(name) or Profile()
    if env.get("ASTROCAL_API_KEY"):
        api_key, key_source = env["ASTROCAL_API_KEY"], "ASTROCAL_API_KEY"
    elif stored.api_key:
        api_key, key_source = stored.api_key, f"profile {name!r}"
    else:
        api_key, key_source = None, "not set"
    for var in ("ASTROCAL_BASE_URL", "ASTROCAL_API_URL"):
        if env.get(var):
            base_url, url_source = env[var], var
            break
    else:
        if stored.base_url:
            base_url, url_source = stored.base_url, f"profile {name!r}"
        else:
            base_url, url_source = DEFAULT_BASE_URL, "default"
    return Resolved(name, api_key, base_url.rstrip("/"), key_source, url_source)
