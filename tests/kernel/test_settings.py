from involve.kernel import settings


def test_defaults_need_no_setup():
    config = settings.load(env={})
    assert config["AMQP_URI"].startswith("pyamqp://")
    assert settings.database_url("identity", "", "/srv/data") == "sqlite:////srv/data/identity.db"


def test_yaml_file_with_environment_placeholders(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("LOG_LEVEL: ${MY_LEVEL:WARNING}\nDATA_DIR: /var/involve\n")
    assert settings.load(path, env={})["LOG_LEVEL"] == "WARNING"
    # Nameko's loader reads the real environment for ${...} placeholders.
    import os

    os.environ["MY_LEVEL"] = "DEBUG"
    try:
        assert settings.load(path, env={})["LOG_LEVEL"] == "DEBUG"
    finally:
        del os.environ["MY_LEVEL"]


def test_environment_wins_over_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("DATA_DIR: /from/file\nPLUGINS_STRICT: false\n")
    config = settings.load(path, env={"INVOLVE_DATA_DIR": "/from/env", "INVOLVE_PLUGINS_STRICT": "true",
                                      "AMQP_URI": "pyamqp://u:p@rabbit:5672/"})
    assert config["DATA_DIR"] == "/from/env"
    assert config["PLUGINS_STRICT"] is True
    assert config["AMQP_URI"] == "pyamqp://u:p@rabbit:5672/"


def test_one_database_per_service_from_a_template():
    url = "postgresql://involve:secret@postgres/involve_{service}"
    assert settings.database_url("panels", url) == "postgresql://involve:secret@postgres/involve_panels"
