"""The token-signing key: from SECRET_KEY; invented and kept under GROUNDWORK_HOME only in dev."""

from __future__ import annotations

import os
import secrets

from entrypoints.config import Settings

MIN_SECRET_BYTES = 32  # HS256 wants a key as long as its hash (RFC 7518, 3.2)


def resolve_secret_key(settings: Settings) -> str:
    if settings.secret_key:
        if len(settings.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes "
                             f"(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return settings.secret_key
    if settings.backend == "memory":
        return secrets.token_urlsafe(48)  # nothing outlives the process anyway
    if not settings.embedded:
        raise ValueError("SECRET_KEY must be set (at least 32 bytes) when DATABASE_URL is set")
    path = settings.home / "secret_key"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
