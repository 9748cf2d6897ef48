"""The users of the dashboard: a small file of names, roles and argon2 password hashes.

The file is ``KITH_HOME/users.json``. It is written atomically (temporary
file, fsync, rename), readable and writable by its owner only (0600), and
refused when anyone else may read it: the hashes are slow to crack (argon2id,
RFC 9106), not impossible. Writers take an exclusive lock beside it, so two
``kith user add`` never lose each other's user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import stat
from collections.abc import Iterator
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict, ValidationError

from kith.graph._files import write_atomically
from kith.graph.errors import InputError, KithError
from kith.trust.access import Role, Viewer

_FORMAT = "kith-users"
_VERSION = 1
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


class User(BaseModel):
    """One user as stored: never the password, only its argon2 hash."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: Role
    school_id: str | None = None
    password_hash: str
    created: str

    def viewer(self) -> Viewer:
        return Viewer(name=self.name, role=self.role, school_id=self.school_id)


class Users:
    """The users file under ``home``."""

    def __init__(self, home: Path, *, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(home) / "users.json"
        # argon2id with RFC 9106's second recommended parameters; a hash keeps its own parameters,
        # so verifying needs no configuration.
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    # ------------------------------------------------------------ reads

    def all(self) -> list[User]:
        """Every user, by name (none when the file does not exist yet)."""
        if not self.path.exists():
            return []
        check_private(self.path, what="the users file")
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT or data.get("version") != _VERSION:
                raise ValueError("not a kith users file")
            return sorted((User.model_validate(u) for u in data["users"]), key=lambda u: u.name)
        except (ValueError, KeyError, TypeError, AttributeError, ValidationError):
            raise KithError(
                f"{self.path} is not a readable kith users file; restore it or remove it and add the users again"
            ) from None

    def configured(self) -> bool:
        return bool(self.all())

    def authenticate(self, name: str, password: str) -> Viewer | None:
        """The user's viewer if the password is right, else None (same work either way)."""
        user = next((u for u in self.all() if u.name == name), None)
        try:
            if user is None:  # spend the same time as for a real user: no telling who exists
                self._dummy = self._dummy or self._hasher.hash("kith: no such user")
                self._hasher.verify(self._dummy, password)
                return None
            self._hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return user.viewer()

    # ------------------------------------------------------------ writes

    def add(self, name: str, role: Role | str, password: str, *, school_id: str | None = None) -> User:
        """Add a user, or replace the role, school and password of one with that name."""
        viewer = Viewer(name=name, role=role, school_id=school_id)  # validates name, role and school
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InputError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        user = User(
            name=viewer.name,
            role=viewer.role,
            school_id=viewer.school_id,
            password_hash=self._hasher.hash(password),
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        with self._locked():
            others = [u for u in self.all() if u.name != user.name]
            self._write([*others, user])
        return user

    def remove(self, name: str) -> None:
        with self._locked():
            users = self.all()
            if not any(u.name == name for u in users):
                raise InputError(f"there is no user named {name!r}")
            self._write([u for u in users if u.name != name])

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, users: list[User]) -> None:
        payload = {
            "format": _FORMAT,
            "version": _VERSION,
            "users": [u.model_dump(mode="json") for u in sorted(users, key=lambda u: u.name)],
        }
        write_atomically(
            self.path, lambda f: json.dump(payload, f, indent=2), binary=False, prefix=".users."
        )  # mode 0600


def check_private(path: Path, *, what: str) -> None:
    """Refuse a file that its group or others may read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KithError(
            f"{what} {path} may be read or changed by other users (mode {mode:o}); run `chmod 600 {path}` and try again"
        )
