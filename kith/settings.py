"""Settings: one ``KithSettings``, read from ``KITH_*`` environment variables
(and a ``.env`` file), built once at the edge and passed down, never global.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kith.graph.errors import InputError

#: The suppression threshold of US education data releases; lower only from the environment itself.
DEFAULT_SUPPRESS_BELOW = 10

#: Secrets, and the settings that name a file holding each one.
_SECRET_FILES = {"pseudonym_key": "pseudonym_key_file", "neo4j_password": "neo4j_password_file"}


class KithSettings(BaseSettings):
    """Everything kith can be told from outside.

    Secrets (the pseudonym key, the Neo4j password) are ``SecretStr``, so they
    never print in a log or a traceback. They come from the environment or
    from a file named by ``KITH_PSEUDONYM_KEY_FILE`` / ``KITH_NEO4J_PASSWORD_FILE``
    (or a ``.env`` file), and a file that its group or others may read is
    refused: a leaked pseudonym key re-identifies every student.
    """

    model_config = SettingsConfigDict(env_prefix="KITH_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".kith"), description="Where the embedded store, quarantine and logs live.")
    neo4j_uri: str | None = Field(None, description="Use Neo4j at this URI instead of the embedded store.")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_retry_s: float = Field(
        30.0,
        ge=0,
        description="How long a Neo4j query is tried again while the server cannot be reached or is busy.",
    )
    pseudonym_key: SecretStr | None = Field(None, description="HMAC key that turns student ids into pseudonyms.")
    pseudonym_key_file: Path | None = Field(None, description="Read the pseudonym key from this file (mode 600).")
    neo4j_password_file: Path | None = Field(None, description="Read the Neo4j password from this file (mode 600).")
    suppress_below: int = Field(
        DEFAULT_SUPPRESS_BELOW,
        ge=1,
        description="Counts from 1 to this minus 1 are suppressed in output; below 10 "
        "only from the environment itself, never from a .env file.",
    )
    demo: bool = Field(False, description="Serve without login: only for the generated demo city.")
    timezone: str | None = Field(
        None,
        description="The IANA time zone of opening hours for --open-now "
        "(e.g. America/New_York) [default: the machine's].",
    )
    host: str = "127.0.0.1"
    port: int = Field(8050, ge=1, le=65535)
    session_idle_minutes: float = Field(30, gt=0, description="Dashboard sessions end after this long idle.")
    session_max_hours: float = Field(8, gt=0, description="Dashboard sessions end this long after sign-in.")
    max_request_mb: float = Field(32, gt=0, description="Largest request (upload) the dashboard accepts, in MiB.")
    trusted_proxy: str | None = Field(
        None, description="Address of the TLS proxy in front of the dashboard, whose X-Forwarded-Proto is believed."
    )
    connection_limit: int = Field(1000, ge=10, description="Most open connections the dashboard server keeps.")
    channel_timeout_s: float = Field(15, gt=0, description="An idle connection is closed after this many seconds.")
    sign_ins_at_once: int = Field(2, ge=1, description="Most passwords checked at once (argon2: 64 MiB each).")
    sign_in_requests_per_second: float = Field(
        10, gt=0, description="Requests for the sign-in page the dashboard answers per second (beyond: 429)."
    )
    what_ifs_at_once: int = Field(2, ge=1, description="Most what-ifs computed at once (each user: one at a time).")
    default_capacity: float = Field(1.0, gt=0, description="Places a service with no stated capacity counts in gaps.")
    prevalence_file: Path | None = Field(
        None,
        description="A district's prevalence table: its rows replace the "
        "shipped graph/prevalence.csv rows of the same need and level.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[Any, ...]:
        def checked_dotenv() -> dict[str, Any]:
            values = dotenv_settings()
            if "suppress_below" in values and "suppress_below" not in env_settings():
                _refuse_weak_suppression_from_dotenv(values["suppress_below"])
            if any(name in values for name in _SECRET_FILES):
                env_files = getattr(dotenv_settings, "env_file", None)
                for env_file in env_files if isinstance(env_files, (list, tuple)) else [env_files]:
                    if env_file is not None and Path(env_file).is_file():
                        _check_private(Path(env_file))
            return values

        return init_settings, env_settings, checked_dotenv, file_secret_settings

    @property
    def weak_suppression(self) -> bool:
        """Whether counts are suppressed below a lower threshold than the default (audited, shown)."""
        return self.suppress_below < DEFAULT_SUPPRESS_BELOW

    @model_validator(mode="after")
    def _secrets_from_files(self) -> KithSettings:
        for secret, file_field in _SECRET_FILES.items():
            path = getattr(self, file_field)
            if path is None:
                continue
            variable = f"KITH_{secret.upper()}"
            if secret in self.model_fields_set:
                raise InputError(f"both {variable} and {variable}_FILE are set: keep one")
            setattr(self, secret, SecretStr(read_secret_file(path, variable=variable)))
        return self


def _refuse_weak_suppression_from_dotenv(value: Any) -> None:
    """A ``.env`` file is ambient (any folder kith runs in may hold one): it may not lower the threshold."""
    try:
        threshold = int(str(value).strip())
    except ValueError:
        return  # not a number: the field's own validation says so
    if threshold < DEFAULT_SUPPRESS_BELOW:
        raise InputError(
            f"KITH_SUPPRESS_BELOW={threshold} comes from a .env file, and a threshold below "
            f"{DEFAULT_SUPPRESS_BELOW} weakens suppression: set it in the environment itself "
            f"(`export KITH_SUPPRESS_BELOW={threshold}`) if you mean it; it is then written to the audit log "
            "and shown on every dashboard page"
        )


def read_secret_file(path: Path, *, variable: str) -> str:
    """The secret in ``path`` (its first line), after checking only its owner may read it."""
    path = Path(path).expanduser()
    try:
        _check_private(path)
        value = path.read_text(encoding="utf-8").splitlines()[0].strip() if path.stat().st_size else ""
    except FileNotFoundError:
        raise InputError(f"{variable}_FILE names {path}, which does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {variable}_FILE {path}: {type(exc).__name__}") from None
    if not value:
        raise InputError(f"{variable}_FILE {path} is empty")
    return value


def _check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InputError(
            f"{path} holds a secret but its group or others may read or change it "
            f"(mode {mode:03o}); run `chmod 600 {path}`"
        )
