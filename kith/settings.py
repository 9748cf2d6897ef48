"""Settings: one ``KithSettings``, read from ``KITH_*`` environment variables
(and a ``.env`` file), built once at the edge and passed down, never global.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KithSettings(BaseSettings):
    """Everything kith can be told from outside.

    Secrets (the pseudonym key, the Neo4j password) are ``SecretStr``, so they
    never print in a log or a traceback.
    """

    model_config = SettingsConfigDict(env_prefix="KITH_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".kith"), description="Where the embedded store, quarantine and logs live.")
    neo4j_uri: str | None = Field(None, description="Use Neo4j at this URI instead of the embedded store.")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    pseudonym_key: SecretStr | None = Field(None, description="HMAC key that turns student ids into pseudonyms.")
    suppress_below: int = Field(10, ge=1, description="Counts from 1 to this minus 1 are suppressed in output.")
    demo: bool = Field(False, description="Serve without login: only for the generated demo city.")
    host: str = "127.0.0.1"
    port: int = Field(8050, ge=1, le=65535)
