"""Who may do what: roles, API tokens with scopes, the admin password, and the request checks around them.

Secure by default: nothing administrative works until an admin credential is configured, and credentials
never come from the command line (they would show in ``ps`` and shell history). They come from the
environment or from ``auth.json`` in the data folder, which ``python -m assistant auth …`` writes; only
hashes are stored there (PBKDF2 for the password, SHA-256 for tokens, which are long random strings).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

AUTH_FILE = "auth.json"
ENV_ADMIN_TOKEN = "POLICY_QA_ADMIN_TOKEN"
ENV_ADMIN_PASSWORD_HASH = "POLICY_QA_ADMIN_PASSWORD_HASH"
ENV_AUTH_FILE = "POLICY_QA_AUTH_FILE"
_PBKDF2_ROUNDS = 240_000


class Scope(StrEnum):
    """What a token may do; ``Scope("x")`` raises for an unknown scope."""

    ASK = "ask"
    SEARCH = "search"
    FEEDBACK = "feedback"
    ADMIN = "admin"  # upload, replace, delete, metadata, feedback export, audit log


PUBLIC_SCOPES = frozenset({Scope.ASK, Scope.SEARCH, Scope.FEEDBACK})


def hash_password(password: str, salt: str | None = None, rounds: int = _PBKDF2_ROUNDS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${digest}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, rounds, salt, _ = stored.split("$")
    except ValueError:
        return False
    return kind == "pbkdf2_sha256" and hmac.compare_digest(hash_password(password, salt, int(rounds)), stored)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ApiToken:
    name: str
    sha256: str
    scopes: frozenset[Scope]


@dataclass
class AccessPolicy:
    """The credentials in force and whether public endpoints also need a token."""

    admin_user: str = "admin"
    admin_password_hash: str = ""
    tokens: list[ApiToken] = field(default_factory=list)
    require_token: bool = False

    @property
    def admin_enabled(self) -> bool:
        return bool(self.admin_password_hash) or any(Scope.ADMIN in token.scopes for token in self.tokens)

    def token_for(self, presented: str) -> ApiToken | None:
        digest = hash_token(presented)
        return next((token for token in self.tokens if hmac.compare_digest(token.sha256, digest)), None)

    def admin_login(self, user: str, password: str) -> bool:
        """The admin page's login: the admin user's password, or an admin token as the password."""
        named = bool(self.admin_password_hash) and hmac.compare_digest(user, self.admin_user)
        if named and verify_password(password, self.admin_password_hash):
            return True
        token = self.token_for(password)
        return token is not None and Scope.ADMIN in token.scopes

    def public_login(self, user: str, password: str) -> bool:
        """The public page's login under ``require_token``: any user name, a token that may ask."""
        token = self.token_for(password)
        return self.admin_login(user, password) or (token is not None and Scope.ASK in token.scopes)

    @classmethod
    def load(cls, data_dir: Path, require_token: bool = False) -> AccessPolicy:
        """From ``$POLICY_QA_AUTH_FILE`` or ``DATA/auth.json``, plus the two environment variables."""
        path = Path(os.environ.get(ENV_AUTH_FILE) or data_dir / AUTH_FILE)
        stored = read_auth_file(path)
        tokens = [
            ApiToken(entry["name"], entry["sha256"], frozenset(Scope(s) for s in entry["scopes"]))
            for entry in stored.get("tokens", [])
        ]
        if env_token := os.environ.get(ENV_ADMIN_TOKEN, "").strip():
            tokens.append(ApiToken("environment", hash_token(env_token), frozenset(Scope)))
        password_hash = os.environ.get(ENV_ADMIN_PASSWORD_HASH, "").strip() or stored.get("admin_password_hash", "")
        return cls(stored.get("admin_user", "admin"), password_hash, tokens, require_token)


def read_auth_file(path: Path) -> dict:
    """The stored credentials; a missing file means none. A damaged file is an error, never "no auth"."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def write_auth_file(path: Path, data: dict) -> None:
    """Written owner-only, through a temp file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
    os.replace(partial, path)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def host_allowed(host: str, allowed: list[str]) -> bool:
    """``host`` (a Host header or an Origin's host, port optional) is one of ``allowed`` (``*`` allows any)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    return "*" in allowed or name.strip("[]").lower() in {entry.strip("[]").lower() for entry in allowed}
