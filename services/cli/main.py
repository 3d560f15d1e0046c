"""The ``involve`` command. Eventlet is monkey-patched before anything else is imported."""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402

import click  # noqa: E402

from involve.kernel import settings  # noqa: E402


@click.group()
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              envvar="INVOLVE_CONFIG", help="A YAML file of settings (see docs/configuration.md).")
@click.pass_context
def cli(ctx, config_path):
    """Involve: service user involvement, run on your own machine or servers."""
    ctx.obj = settings.load(config_path)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the gateway listens on.")
@click.option("--port", default=8000, show_default=True, help="Port the gateway listens on.")
@click.pass_obj
def up(config, host, port):
    """Start RabbitMQ (if needed), every service and the gateway; Ctrl-C stops them all."""
    from .up import run_platform

    run_platform(config, host, port)


@cli.command()
@click.argument("name")
@click.pass_obj
def service(config, name):
    """Run one service in the foreground (what each container runs)."""
    from nameko import config as nameko_config
    from nameko.cli.run import run

    from involve.kernel import logs

    from .services import SERVICES

    if name not in SERVICES:
        raise click.BadParameter(f"choose one of: {', '.join(SERVICES)}", param_hint="NAME")
    logs.setup(name, config["LOG_LEVEL"], config["LOG_FORMAT"])
    nameko_config.update(config)
    run([SERVICES[name]])


@cli.command()
@click.pass_obj
def migrate(config):
    """Create or upgrade every service's database (services also do this when they start)."""
    from pathlib import Path

    from involve.kernel.db import make_engine
    from involve.kernel.db import migrate as run_migrations

    from .services import BACKEND, service_class

    for name in BACKEND:
        url = settings.database_url(name, config["DATABASE_URL"], config["DATA_DIR"])
        database = service_class(name).db
        engine = make_engine(url)
        run_migrations(engine, database.migrations and Path(database.migrations))
        engine.dispose()
        click.echo(f"{name}: up to date ({url.split('@')[-1]})")


@cli.group()
def identity():
    """People and keys: the first administrator, and rotating the contact-details key."""


def _identity_sessions(config):
    from pathlib import Path

    from nameko import config as nameko_config

    import involve.identity
    from involve.kernel.db import make_engine, session_factory
    from involve.kernel.db import migrate as run_migrations

    nameko_config.update(config)
    engine = make_engine(settings.database_url("identity", config["DATABASE_URL"], config["DATA_DIR"]))
    run_migrations(engine, Path(involve.identity.__file__).parent / "migrations")
    return session_factory(engine)


@identity.command("create-admin")
@click.option("--email", required=True, help="The administrator's email address (to sign in).")
@click.option("--name", required=True, help="The administrator's name.")
@click.password_option(envvar="INVOLVE_ADMIN_PASSWORD",
                       help="Asked for if not given (or set INVOLVE_ADMIN_PASSWORD).")
@click.pass_obj
def create_admin(config, email, name, password):
    """Create (or promote) a platform administrator, who can create organisations."""
    from involve.identity.accounts import make_platform_admin
    from involve.identity.crypto import load_keys
    from involve.kernel.db import transaction

    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="password")
    sessions = _identity_sessions(config)
    with transaction(sessions) as session:
        person_id = make_platform_admin(session, load_keys(), name, email, password)
    click.echo(f"Platform administrator ready (person id {person_id}). Sign in at "
               f"{config['GATEWAY_URL']}/sign-in")


@identity.command("rotate-keys")
@click.pass_obj
def rotate_keys(config):
    """Re-encrypt everyone's contact details with the first key in CONTACT_KEYS."""
    from sqlalchemy import select

    from involve.identity.crypto import load_keys
    from involve.identity.models import Person
    from involve.kernel.db import transaction

    keys = load_keys()
    sessions = _identity_sessions(config)
    count = 0
    with transaction(sessions) as session:
        for person in session.scalars(select(Person).where(Person.contact.is_not(None))):
            person.contact = keys.rotate(person.contact)
            count += 1
    click.echo(f"Re-encrypted the contact details of {count} people with the current key. "
               "You can now remove the old key from CONTACT_KEYS.")


@cli.group()
def panels():
    """Fair panel selection (sortition), also usable offline from spreadsheets."""


def _mount_panels():
    from involve.panels.selection.cli import select

    panels.add_command(select)


_mount_panels()


@cli.group()
def plugins():
    """Plugins that add question sets, quota rules and self-assessment criteria."""


def _load_plugins(strict=False):
    from involve.kernel import plugins as plugin_loader

    return plugin_loader.load(strict=strict)


def _content_problems(found) -> list[str]:
    """Plugins that load but give something malformed (e.g. a question set with a bad question),
    checked by the service that uses them, each named by plugin, set and question."""
    from involve.mystery_shopping import question_sets

    return [question_sets.describe_problem(p)
            for p in question_sets.problems(found, include_broken=False)]


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def plugins_list(as_json):
    """List installed plugins and the hooks each provides; broken ones are named."""
    found = _load_plugins()
    if as_json:
        click.echo(json.dumps({
            "loaded": [vars(p) for p in found.loaded],
            "broken": [vars(b) for b in found.broken],
        }, indent=2))
        return
    for plugin in found.loaded:
        click.echo(f"ok      {plugin.name}  ({plugin.distribution or 'no distribution'}): "
                   f"{', '.join(plugin.hooks)}")
    for broken in found.broken:
        click.echo(f"BROKEN  {broken.describe()}")
    for problem in _content_problems(found):
        click.echo(f"REFUSED {problem}")
    if not found.loaded and not found.broken:
        click.echo("No plugins are installed.")


@plugins.command("check")
def plugins_check():
    """Exit with an error if any plugin is broken or gives a malformed question set (use in CI)."""
    found = _load_plugins()
    for broken in found.broken:
        click.echo(f"BROKEN  {broken.describe()}", err=True)
    refused = _content_problems(found)
    for problem in refused:
        click.echo(f"REFUSED {problem}", err=True)
    if found.broken or refused:
        sys.exit(1)
    click.echo(f"All {len(found.loaded)} plugins load.")


if __name__ == "__main__":
    cli()
