"""Contact-detail encryption, key rotation and the identity command line."""
import json
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from involve.identity.crypto import Keys

LOOKUP = "a-lookup-key-for-tests"


def test_encryption_round_trip_and_keyed_email_lookup():
    keys = Keys([Fernet.generate_key().decode()], LOOKUP)
    secret = keys.encrypt({"name": "Ali", "email": "ali@example.org"})
    assert "Ali" not in secret and keys.decrypt(secret)["email"] == "ali@example.org"
    assert keys.email_lookup(" ALI@example.org ") == keys.email_lookup("ali@example.org")
    assert keys.email_lookup("ali@example.org") != Keys(
        [Fernet.generate_key().decode()], "another key").email_lookup("ali@example.org")


def test_rotation_keeps_old_data_readable_then_lets_the_old_key_go():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = Keys([old], LOOKUP).encrypt({"name": "Bea"})
    both = Keys([new, old], LOOKUP)
    assert both.decrypt(stored)["name"] == "Bea"  # old data still readable during rotation
    rotated = both.rotate(stored)
    assert Keys([new], LOOKUP).decrypt(rotated)["name"] == "Bea"
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        Keys([new], LOOKUP).decrypt(stored)


def run(data_dir, *args, env=None):
    return subprocess.run([sys.executable, "-m", "involve.cli.main", "identity", *args],
                          env={**os.environ, "INVOLVE_DATA_DIR": str(data_dir), **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_create_admin_then_rotate_keys_from_the_command_line(tmp_path):
    made = run(tmp_path, "create-admin", "--email", "root@example.org", "--name", "Root Admin",
               env={"INVOLVE_ADMIN_PASSWORD": "a long admin password"})
    assert made.returncode == 0, made.stderr
    assert "Platform administrator ready" in made.stdout
    generated = json.loads((tmp_path / "identity-keys.json").read_text())
    assert oct((tmp_path / "identity-keys.json").stat().st_mode & 0o777) == "0o600"
    old_key = generated["contact_keys"][0]
    new_key = Fernet.generate_key().decode()
    env = {"INVOLVE_CONTACT_KEYS": f"{new_key},{old_key}",
           "INVOLVE_LOOKUP_KEY": generated["lookup_key"]}
    rotated = run(tmp_path, "rotate-keys", env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert "Re-encrypted the contact details of 1 people" in rotated.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'identity.db'}")
    with engine.connect() as connection:
        contact = connection.execute(text("SELECT contact FROM people")).scalar_one()
    engine.dispose()
    assert Keys([new_key], generated["lookup_key"]).decrypt(contact)["name"] == "Root Admin"


def test_create_admin_refuses_a_short_password(tmp_path):
    made = run(tmp_path, "create-admin", "--email", "root@example.org", "--name", "Root",
               env={"INVOLVE_ADMIN_PASSWORD": "short"})
    assert made.returncode == 2 and "at least 10 characters" in made.stderr
