"""``involve backup DIR`` and ``involve restore DIR``: every service's database and the keys.

SQLite databases are copied with SQLite's online backup API (consistent while services run);
PostgreSQL databases with ``pg_dump --format=custom`` and put back with ``pg_restore --clean``.
The keys that decrypt contact details (identity) and hash household addresses (panels) go to a
folder of their own (``DIR/keys`` unless ``--keys-dir`` says elsewhere), written owner-only: a
backup of the data must never travel with the keys that unlock it, so the command says to move
that folder somewhere apart. A ``manifest.json`` lists what was saved, for restore to check.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from involve.kernel import settings

from .services import BACKEND

MANIFEST = "manifest.json"
KEY_FILES = {"identity": "identity-keys.json", "panels": "panels-household.key",
             "webhooks": "webhooks-keys.json"}
KEYS_WARNING = ("The folder {keys} holds the keys that decrypt people's contact details. Store it "
                "apart from the database backup (another machine, a password manager or a vault): "
                "anyone with both can read everyone's contact details.")


class BackupError(RuntimeError):
    """Something an operator must fix; the message says what."""


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} is needed for PostgreSQL databases and is not installed "
                      "(Debian: apt-get install postgresql-client).")


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL as libpq's tools take it (postgresql://, no +driver)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def _sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[-1])


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while services write."""
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()


def _same_keys(owner: str, a: str, b: str) -> bool:
    if owner in ("identity", "webhooks"):
        try:
            return json.loads(a) == json.loads(b)
        except ValueError:
            return False
    return a.strip() == b.strip()


def _heads(url: str) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    from involve.kernel.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _keys(config) -> dict[str, str]:
    """The keys in use, as the files the services would generate hold them (never generated
    here: a backup must not invent keys)."""
    data_dir = Path(config["DATA_DIR"]).resolve()
    found: dict[str, str] = {}
    contact, lookup = config.get("CONTACT_KEYS"), config.get("LOOKUP_KEY")
    if contact and lookup:
        keys = [k.strip() for k in contact.split(",")] if isinstance(contact, str) else list(contact)
        found["identity"] = json.dumps({"contact_keys": [k for k in keys if k],
                                        "lookup_key": str(lookup)})
    elif (data_dir / KEY_FILES["identity"]).exists():
        found["identity"] = (data_dir / KEY_FILES["identity"]).read_text()
    if config.get("PANELS_HOUSEHOLD_KEY"):
        found["panels"] = str(config["PANELS_HOUSEHOLD_KEY"])
    elif (data_dir / KEY_FILES["panels"]).exists():
        found["panels"] = (data_dir / KEY_FILES["panels"]).read_text().strip()
    sealing = config.get("WEBHOOKS_SECRET_KEYS")
    if sealing:
        keys = [k.strip() for k in sealing.split(",")] if isinstance(sealing, str) else list(sealing)
        found["webhooks"] = json.dumps({"keys": [k for k in keys if k]})
    elif (data_dir / KEY_FILES["webhooks"]).exists():
        found["webhooks"] = (data_dir / KEY_FILES["webhooks"]).read_text()
    return found


def _write_private(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def backup(config, folder: Path, keys_folder: Path | None = None, say=print) -> dict:
    """Back up every service's database into ``folder`` and the keys into ``keys_folder``."""
    folder = Path(folder)
    keys_folder = Path(keys_folder) if keys_folder else folder / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"created_at": datetime.now(UTC).isoformat(), "services": {}}
    for name in BACKEND:
        url = settings.database_url(name, config["DATABASE_URL"], config["DATA_DIR"])
        if url.startswith("sqlite"):
            source = _sqlite_path(url)
            if not source.exists():
                say(f"{name}: no database yet ({source}), nothing to back up")
                continue
            target = folder / f"{name}.db"
            target.unlink(missing_ok=True)
            _sqlite_copy(source, target)
            entry = {"kind": "sqlite", "file": target.name}
        elif url.startswith("postgresql"):
            target = folder / f"{name}.dump"
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(target), "--dbname", _libpq_url(url)], f"pg_dump of {name}")
            entry = {"kind": "postgresql", "file": target.name}
        else:
            raise BackupError(f"{name}: cannot back up a database at {urlparse(url).scheme}://")
        entry["migrations"] = _heads(url)
        manifest["services"][name] = entry
        say(f"{name}: saved to {target}")
    keys = _keys(config)
    if keys:
        keys_folder.mkdir(parents=True, exist_ok=True)
        os.chmod(keys_folder, 0o700)
        for owner, text in keys.items():
            _write_private(keys_folder / KEY_FILES[owner], text)
        manifest["keys"] = sorted(keys)
        say("WARNING: " + KEYS_WARNING.format(keys=keys_folder))
    _write_private(folder / MANIFEST, json.dumps(manifest, indent=2))
    return manifest


def restore(config, folder: Path, keys_folder: Path | None = None, say=print) -> dict:
    """Put every database saved in ``folder`` back (replacing what is there) and the keys."""
    folder = Path(folder)
    keys_folder = Path(keys_folder) if keys_folder else folder / "keys"
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a folder `involve backup` "
                          "wrote.") from None
    for name, entry in manifest["services"].items():
        if name not in BACKEND:
            raise BackupError(f"the backup has a database for an unknown service {name!r}")
        url = settings.database_url(name, config["DATABASE_URL"], config["DATA_DIR"])
        kind = "sqlite" if url.startswith("sqlite") else "postgresql"
        if kind != entry["kind"]:
            raise BackupError(f"{name}: the backup is of a {entry['kind']} database but this "
                              f"configuration uses {kind}; restore it where DATABASE_URL is "
                              f"{entry['kind']}.")
        source = folder / entry["file"]
        if kind == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(source, target)
        else:
            _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                  "--no-privileges", "--single-transaction", "--exit-on-error",
                  "--dbname", _libpq_url(url), str(source)], f"pg_restore of {name}")
        say(f"{name}: restored from {source}")
    _restore_keys(config, manifest, keys_folder, say)
    return manifest


def _restore_keys(config, manifest, keys_folder: Path, say) -> None:
    data_dir = Path(config["DATA_DIR"]).resolve()
    in_use = _keys(config)
    for owner in manifest.get("keys", []):
        saved_file = keys_folder / KEY_FILES[owner]
        if not saved_file.exists():
            say(f"WARNING: the {owner} keys are not in {keys_folder} (pass --keys-dir with where "
                "you stored them); without them the restored data cannot be fully read.")
            continue
        saved = saved_file.read_text().strip()
        configured = {"identity": config.get("CONTACT_KEYS") and config.get("LOOKUP_KEY"),
                      "panels": config.get("PANELS_HOUSEHOLD_KEY"),
                      "webhooks": config.get("WEBHOOKS_SECRET_KEYS")}.get(owner)
        if configured:
            if not _same_keys(owner, in_use.get(owner, ""), saved):
                say(f"WARNING: the {owner} keys in your configuration differ from the backup's; "
                    f"set them to the ones in {saved_file} or the restored data cannot be read.")
            continue
        data_dir.mkdir(parents=True, exist_ok=True)
        _write_private(data_dir / KEY_FILES[owner], saved)
        say(f"{owner}: keys restored to {data_dir / KEY_FILES[owner]}")
