"""VOS3000 MySQL/MariaDB source (pymysql): read-only, parameterised, time-limited, cancellable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from dropwizard.errors import InputError

_URI = re.compile(r"^mysql://", re.I)


@dataclass(frozen=True)
class MysqlTarget:
    user: str
    host: str
    port: int
    database: str | None

    def describe(self) -> str:
        db = f"/{self.database}" if self.database else ""
        return f"mysql://{self.user}@{self.host}:{self.port}{db}"


def parse_mysql_uri(spec: str) -> MysqlTarget:
    """`mysql://USER@HOST:PORT/DB` (port and DB optional); a password in the URI is refused."""
    if not _URI.match(spec):
        raise InputError(f"{spec!r} is not a mysql:// URI (write mysql://USER@HOST:PORT/DB)")
    u = urlsplit(spec)
    if u.password is not None:
        raise InputError(
            "a password in the source URI would show in the process list: put it in ~/.my.cnf "
            "([client] password=...) or DROPWIZARD_MYSQL_PASSWORD, or answer the prompt"
        )
    try:
        port = u.port or 3306
    except ValueError:
        raise InputError(f"{spec!r}: the port must be a number (e.g. :3306)") from None
    db = unquote(u.path.lstrip("/")) or None
    if db is not None and not re.fullmatch(r"[A-Za-z0-9_$]{1,64}", db):
        raise InputError(f"{spec!r}: database names may hold letters, digits, _ and $ only")
    return MysqlTarget(
        user=unquote(u.username or "root"), host=u.hostname or "127.0.0.1", port=port, database=db
    )
