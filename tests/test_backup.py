"""`involve backup DIR` and `involve restore DIR`, run as an operator runs them: every service's
database and the keys are saved, wiped, put back and read back (SQLite and PostgreSQL)."""
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from involve.cli.services import BACKEND, service_class

EMAIL, PASSWORD = "ada@example.org", "a long enough password"


def involve(env, *args, ok=True):
    done = subprocess.run([sys.executable, "-m", "involve.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=180)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def operator_env(database_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOLVE_")}
    env.update(INVOLVE_DATABASE_URL=database_url, INVOLVE_DATA_DIR=str(tmp_path / "data"),
               INVOLVE_LOG_FORMAT="text", INVOLVE_ADMIN_PASSWORD=PASSWORD)
    return env


def _url(database_url, service):
    return database_url.replace("{service}", service)


def _write_marks(database_url):
    """One row in each service's outbox, naming the service: data to find again. Written
    straight into the table: it is no event any service publishes, so the catalogue (rightly)
    would refuse it through outbox.record."""
    import uuid

    from involve.kernel import outbox
    from involve.kernel.db import make_engine, now, session_factory, transaction

    for service in BACKEND:
        engine = make_engine(_url(database_url, service))
        with transaction(session_factory(engine)) as session:
            session.execute(outbox.outbox.insert().values(
                event_id=str(uuid.uuid4()), routing_key="backup.mark", attempts=0,
                envelope={"data": {"service": service}}, created_at=now(), sent_at=now()))
        engine.dispose()


def _marks(database_url) -> dict:
    from sqlalchemy import select

    from involve.kernel import outbox
    from involve.kernel.db import make_engine, session_factory

    found = {}
    for service in BACKEND:
        engine = make_engine(_url(database_url, service))
        try:
            with session_factory(engine)() as session:
                found[service] = [row.envelope["data"] for row in session.execute(
                    select(outbox.outbox.c.envelope).where(outbox.outbox.c.routing_key
                                                           == "backup.mark"))]
        except Exception:  # noqa: BLE001 - a wiped database has no outbox table
            found[service] = None
        finally:
            engine.dispose()
    return found


def _admin_can_sign_in(database_url, data_dir) -> bool:
    """The admin's email is found (lookup key) and their contact details decrypt (contact key)."""
    from nameko import config

    from involve.identity import accounts
    from involve.identity.crypto import load_keys
    from involve.kernel.db import make_engine, session_factory

    engine = make_engine(_url(database_url, "identity"))
    try:
        with config.patch({"DATA_DIR": str(data_dir), "CONTACT_KEYS": "", "LOOKUP_KEY": ""}):
            keys = load_keys()
            with session_factory(engine)() as session:
                person = accounts.verify_password(session, keys, EMAIL, PASSWORD)
                return person is not None and keys.decrypt(person.contact)["email"] == EMAIL
    finally:
        engine.dispose()


def _wipe(database_url, data_dir, request):
    shutil.rmtree(data_dir)
    if database_url.startswith("sqlite"):
        for service in BACKEND:
            for suffix in ("", "-wal", "-shm"):
                Path(_url(database_url, service).split("///", 1)[1] + suffix).unlink(
                    missing_ok=True)
    else:
        server = request.getfixturevalue("postgres_server")
        names = [_url(database_url, s).rsplit("/", 1)[-1] for s in BACKEND]
        server.drop_databases(names)
        server.create_databases(names)  # what postgres-init.sh leaves: empty databases


def test_backup_wipe_restore_gives_every_service_its_data_and_keys_back(
        operator_env, database_url, tmp_path, request):
    data_dir, saved = Path(operator_env["INVOLVE_DATA_DIR"]), tmp_path / "backup"
    involve(operator_env, "migrate")
    involve(operator_env, "identity", "create-admin", "--email", EMAIL, "--name", "Ada")
    _write_marks(database_url)
    assert _admin_can_sign_in(database_url, data_dir)

    out = involve(operator_env, "backup", str(saved)).stdout
    assert "WARNING" in out and "Store it apart" in out and str(saved / "keys") in out
    manifest = json.loads((saved / "manifest.json").read_text())
    assert sorted(manifest["services"]) == sorted(BACKEND)
    assert manifest["keys"] == ["identity", "panels"] or manifest["keys"] == ["identity"]
    for key_file in (saved / "keys").iterdir():
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, key_file
    assert stat.S_IMODE((saved / "keys").stat().st_mode) == 0o700

    _wipe(database_url, data_dir, request)
    assert set(map(str, _marks(database_url).values())) == {"None"}  # really gone

    refused = involve(operator_env, "restore", str(tmp_path), "--yes", ok=False)
    assert refused.returncode != 0 and "not a folder `involve backup` wrote" in refused.stderr

    out = involve(operator_env, "restore", str(saved), "--yes").stdout
    assert all(f"{service}: restored" in out for service in BACKEND), out
    assert _marks(database_url) == {s: [{"service": s}] for s in BACKEND}
    assert _admin_can_sign_in(database_url, data_dir)
    # the services start on the restored databases with nothing left to migrate
    from involve.kernel.db import make_engine, migrate

    for service in BACKEND:
        engine = make_engine(_url(database_url, service))
        assert migrate(engine, service_class(service).db.migrations) == []
        engine.dispose()


def test_keys_kept_apart_are_needed_to_read_the_restored_data(operator_env, database_url,
                                                             tmp_path, request):
    data_dir, saved, vault = Path(operator_env["INVOLVE_DATA_DIR"]), tmp_path / "backup", \
        tmp_path / "vault"
    involve(operator_env, "identity", "create-admin", "--email", EMAIL, "--name", "Ada")
    out = involve(operator_env, "backup", str(saved), "--keys-dir", str(vault)).stdout
    assert str(vault) in out and not (saved / "keys").exists()  # kept apart as asked
    _wipe(database_url, data_dir, request)

    out = involve(operator_env, "restore", str(saved), "--yes").stdout
    assert "identity keys are not in" in out and "--keys-dir" in out
    assert not _admin_can_sign_in(database_url, data_dir)  # new keys: the data stays unreadable

    shutil.rmtree(data_dir)  # the keys made just now by the check above
    out = involve(operator_env, "restore", str(saved), "--yes", "--keys-dir", str(vault)).stdout
    assert "identity: keys restored" in out
    assert _admin_can_sign_in(database_url, data_dir)
