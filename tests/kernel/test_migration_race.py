"""Two replicas of every service starting at once on an empty PostgreSQL migrate once, with real
processes: one per database applies the migrations, its twin waits and finds nothing to do."""
import json
import subprocess
import sys
import time
import uuid

import pytest

from involve.cli.services import BACKEND

# Imports (the slow part) happen before the barrier, so both replicas migrate at the same moment.
REPLICA = r"""
import json, os, sys, time
from pathlib import Path
from involve.cli.services import service_class
from involve.kernel.db import make_engine, migrate
service, url, go = sys.argv[1:4]
migrations = service_class(service).db.migrations
engine = make_engine(url)
with engine.connect():
    pass
while not os.path.exists(go):
    time.sleep(0.002)
print(json.dumps(migrate(engine, migrations and Path(migrations))))
"""


@pytest.fixture
def empty_databases(postgres_server):
    prefix = "race" + uuid.uuid4().hex[:8]
    names = {service: f"{prefix}_{service}" for service in BACKEND}
    postgres_server.create_databases(names.values())
    yield {service: postgres_server.url(name) for service, name in names.items()}
    postgres_server.drop_databases(names.values())


def test_two_replicas_of_every_service_starting_together_migrate_once(empty_databases, tmp_path):
    go = tmp_path / "go"
    replicas = [(service, subprocess.Popen([sys.executable, "-c", REPLICA, service, url, str(go)],
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True))
                for service, url in empty_databases.items() for _ in range(2)]
    time.sleep(8)  # every replica imported and connected, waiting at the barrier
    go.touch()
    results: dict[str, list] = {service: [] for service in BACKEND}
    for service, process in replicas:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"a {service} replica failed to migrate:\n{err[-3000:]}"
        results[service].append(json.loads(out.strip().splitlines()[-1]))
    for service, (first, second) in results.items():
        # exactly one of the two moved the database to its heads; the other found it up to date
        assert sorted([bool(first), bool(second)]) == [False, True], (service, first, second)

    # and the database is complete: a third start applies nothing and the tables are there
    import sqlalchemy

    from involve.cli.services import service_class
    from involve.kernel.db import make_engine, migrate

    for service, url in empty_databases.items():
        engine = make_engine(url)
        migrations = service_class(service).db.migrations
        assert migrate(engine, migrations) == []
        tables = set(sqlalchemy.inspect(engine).get_table_names())
        assert {"outbox", "handled_events", "alembic_version"} <= tables
        engine.dispose()
