"""The ``involve`` command. Eventlet is monkey-patched before anything else is imported."""
import os
import sys
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

# Eventlet's green DNS resolver imports dnspython: about 20 MiB in every process. Only the
# webhooks service resolves names it does not control (its subscribers' hosts), where a slow
# lookup must not stall the process; the others resolve the broker and database, rarely, and the
# system resolver does that (docs/performance.md). `involve up` keeps it: the services it forks
# share its copy, and webhooks is among them. An operator's own setting wins.
_LEAN_DNS = (sys.argv[1:2] == ["service"] and sys.argv[2:3] != ["webhooks"]
             and "EVENTLET_NO_GREENDNS" not in os.environ)
if _LEAN_DNS:
    os.environ["EVENTLET_NO_GREENDNS"] = "yes"

import eventlet  # noqa: E402

eventlet.monkey_patch()
if _LEAN_DNS:
    del os.environ["EVENTLET_NO_GREENDNS"]  # read at import; not passed on to what `up` starts

import json  # noqa: E402

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
@click.pass_context
def up(ctx, host, port):
    """Start RabbitMQ (if needed), every service and the gateway; Ctrl-C stops them all."""
    from .up import run_platform

    config, config_path = ctx.obj, ctx.parent.params.get("config_path")
    if config_path:  # every service it starts reads the same file
        os.environ["INVOLVE_CONFIG"] = os.path.abspath(config_path)
    run_platform(config, host, port)


@cli.command()
@click.argument("name")
@click.pass_obj
def service(config, name):
    """Run one service in the foreground (what each container runs)."""
    from .services import SERVICES, run_service

    if name not in SERVICES:
        raise click.BadParameter(f"choose one of: {', '.join(SERVICES)}", param_hint="NAME")
    run_service(name, config)


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


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
@click.option("--keys-dir", type=click.Path(file_okay=False, path_type=str),
              help="Where to write the keys (default FOLDER/keys). Store them apart from FOLDER.")
@click.pass_obj
def backup(config, folder, keys_dir):
    """Back up every service's database and the keys (SQLite: online; PostgreSQL: pg_dump)."""
    from pathlib import Path

    from .backup import BackupError
    from .backup import backup as run_backup

    try:
        run_backup(config, Path(folder), keys_dir and Path(keys_dir), say=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--keys-dir", type=click.Path(exists=True, file_okay=False, path_type=str),
              help="Where the keys were stored (default FOLDER/keys).")
@click.option("--yes", is_flag=True, help="Do not ask before replacing the current data.")
@click.pass_obj
def restore(config, folder, keys_dir, yes):
    """Replace every service's data with a backup (stop the services first)."""
    from pathlib import Path

    from .backup import BackupError
    from .backup import restore as run_restore

    if not yes:
        click.confirm("This replaces every service's current data with the backup. Are the "
                      "services stopped, and do you want to go on?", abort=True)
    try:
        run_restore(config, Path(folder), keys_dir and Path(keys_dir), say=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


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
    """Re-encrypt everyone's contact details (and messages and pending invitations) with the
    first key in CONTACT_KEYS."""
    from sqlalchemy import select

    from involve.identity.crypto import load_keys
    from involve.identity.models import Invitation, Message, Person
    from involve.kernel.db import transaction

    keys = load_keys()
    sessions = _identity_sessions(config)
    count = 0
    with transaction(sessions) as session:
        for person in session.scalars(select(Person).where(Person.contact.is_not(None))):
            person.contact = keys.rotate(person.contact)
            count += 1
        for message in session.scalars(select(Message)):
            message.content = keys.rotate(message.content)
        for invitation in session.scalars(select(Invitation).where(Invitation.contact.is_not(None))):
            invitation.contact = keys.rotate(invitation.contact)
    click.echo(f"Re-encrypted the contact details of {count} people (and their messages and "
               "invitations) with the current key. You can now remove the old key from "
               "CONTACT_KEYS.")


@cli.group()
def events():
    """The event catalogue (the JSON Schemas in services/<service>/events/), and events a
    handler could not process (parked after its retries) and sending them back."""


def _parked_queues(handler):
    from .services import event_handler_queues

    queues = event_handler_queues()
    if handler is not None:
        if handler not in queues:
            raise click.BadParameter(f"choose one of: {', '.join(sorted(queues))}",
                                     param_hint="--handler")
        queues = {handler: queues[handler]}
    return [q + ".parked" for q in queues.values()]


@events.command("parked")
@click.option("--handler", help="Only this handler's, e.g. feedback.route_story.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_obj
def events_parked(config, handler, as_json):
    """List parked events: id, type, handler, attempts, the kind of error (never the data)."""
    from involve.kernel.parked import list_parked

    found = list_parked(config["AMQP_URI"], _parked_queues(handler))
    if as_json:
        click.echo(json.dumps([vars(p) for p in found], indent=2))
        return
    if not found:
        click.echo("No parked events.")
        return
    for p in found:
        click.echo(f"{p.event_id}  {p.type}  {p.handler}  attempts={p.attempts}  "
                   f"error={p.error}  parked_at={p.parked_at}")
    click.echo(f"{len(found)} parked event(s). Send one back with: involve events replay ID")


@events.command("replay")
@click.argument("event_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Send back every parked event.")
@click.option("--handler", help="Only this handler's, e.g. feedback.route_story.")
@click.pass_obj
def events_replay(config, event_id, everything, handler):
    """Send a parked event (by its id) back to its handler, with its retries reset."""
    from involve.kernel.parked import replay

    if bool(event_id) == everything:
        raise click.UsageError("Give one event id, or --all.")
    sent = replay(config["AMQP_URI"], _parked_queues(handler), None if everything else event_id)
    if not sent and event_id:
        click.echo(f"No parked event has the id {event_id}.", err=True)
        sys.exit(1)
    for p in sent:
        click.echo(f"Sent {p.event_id} ({p.type}) back to {p.handler or p.queue}.")


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
    """Plugins that load but give something malformed (a question set with a bad question, a
    self-assessment criterion), checked by the service that uses them, each named by plugin and
    by set and question, or criterion."""
    from involve.mystery_shopping import question_sets
    from involve.reporting import criteria

    return [question_sets.describe_problem(p)
            for p in question_sets.problems(found, include_broken=False)] + [
        criteria.describe_problem(p) for p in criteria.problems(found, include_broken=False)]


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
    """Exit with an error if any plugin is broken or gives a malformed question set or criterion
    (use in CI)."""
    found = _load_plugins()
    for broken in found.broken:
        click.echo(f"BROKEN  {broken.describe()}", err=True)
    refused = _content_problems(found)
    for problem in refused:
        click.echo(f"REFUSED {problem}", err=True)
    if found.broken or refused:
        sys.exit(1)
    click.echo(f"All {len(found.loaded)} plugins load.")


@cli.group()
def reporting():
    """Reporting's read models: rebuild them from the event log, refill the log from the
    services' outboxes, or see what the log holds."""


def _reporting_sessions(config):
    from pathlib import Path

    from nameko import config as nameko_config

    import involve.reporting
    from involve.kernel.db import make_engine, session_factory
    from involve.kernel.db import migrate as run_migrations

    nameko_config.update(config)
    engine = make_engine(settings.database_url("reporting", config["DATABASE_URL"],
                                               config["DATA_DIR"]))
    run_migrations(engine, Path(involve.reporting.__file__).parent / "migrations")
    return session_factory(engine)


@reporting.command("rebuild")
@click.option("--chunk", default=5000, show_default=True, help="Events projected per transaction.")
@click.pass_obj
def reporting_rebuild(config, chunk):
    """Empty every read model and project the whole event log again (safe while reporting runs:
    events arriving meanwhile are merged the same way)."""
    from tqdm import tqdm

    from involve.kernel.db import transaction
    from involve.reporting import log as event_log

    sessions = _reporting_sessions(config)
    bar = tqdm(total=0, unit="event", desc="Rebuilding", disable=None)

    def started(total):
        bar.total = total
        bar.refresh()

    counts = event_log.rebuild(lambda: transaction(sessions), bar.update, chunk, started)
    bar.close()
    click.echo(f"Rebuilt the read models from {counts['events']:,} events: "
               f"{counts['applied']:,} applied, {counts['skipped']:,} skipped (types or "
               f"versions reporting does not know, or data it cannot read).")


@reporting.command("status")
@click.pass_obj
def reporting_status(config):
    """How many events the log holds, and which kinds were skipped."""
    from involve.reporting import log as event_log

    sessions = _reporting_sessions(config)
    with sessions() as session:
        found = event_log.summary(session)
    click.echo(f"{found['events']:,} events: {found['applied']:,} applied, "
               f"{found['skipped']:,} skipped; the latest arrived {found['latest_received_at']}.")
    for row in found["skipped_types"]:
        click.echo(f"  skipped: {row['type']} ({row['events']:,})")


@reporting.command("backfill")
@click.option("--service", "only", multiple=True, help="Only this service (repeat for more).")
@click.option("--batch", default=500, show_default=True, help="Events asked for at a time.")
@click.pass_obj
def reporting_backfill(config, only, batch):
    """Ask every service to send the events it still keeps (OUTBOX_RETENTION_DAYS) to reporting
    again; reporting records the ones it lacks and ignores the rest. Reporting must have run
    once, so that its queues exist."""
    from nameko.standalone.rpc import ClusterRpcClient
    from tqdm import tqdm

    from involve.kernel.errors import InvolveError
    from involve.reporting.service import SOURCES, queue_of

    chosen = [s for s in SOURCES if not only or s in only]
    unknown = set(only) - set(SOURCES)
    if unknown:
        raise click.BadParameter(f"choose from: {', '.join(SOURCES)}", param_hint="--service")
    timeout = float(config.get("RPC_TIMEOUT_SECONDS") or 30)
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=timeout) as rpc:
        for name in chosen:
            after, sent, bar = 0, 0, None
            while True:
                try:
                    got = getattr(rpc, name).replay_events(queue_of(name), after, batch)
                except InvolveError as exc:
                    hint = " Start the reporting service once first." if "queue" in \
                        exc.fields else ""
                    raise click.ClickException(f"{name}: {exc.message}{hint}") from None
                except Exception as exc:  # nameko's RpcTimeout and friends
                    raise click.ClickException(
                        f"{name} did not answer ({type(exc).__name__}); is it running?") from None
                if bar is None:
                    bar = tqdm(total=got["sent"] + got["remaining"], unit="event",
                               desc=f"{name:>16}", disable=None)
                bar.update(got["sent"])
                sent += got["sent"]
                after = got["last_seq"]
                finished = not got["remaining"] or not got["sent"]
                try:  # only for the progress the pages show: never stops the backfill
                    rpc.reporting.note_backfill(name, sent, got["remaining"], finished)
                except Exception:
                    pass
                if finished:
                    break
            bar.close()
            click.echo(f"{name}: sent {sent:,} events to reporting again.")


@events.command("list")
def events_list():
    """Every event type: CloudEvents type, exchange, routing key, classification."""
    from involve.kernel import catalogue

    for event in catalogue.published():
        click.echo(f"{event.type}  {event.exchange}  {event.name}  {event.classification}")


@events.command("docs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), default="docs/events.md")
def events_docs(path):
    """Rewrite the catalogue section of docs/events.md from the AsyncAPI document."""
    from pathlib import Path

    from involve.gateway.web import asyncapi
    from involve.gateway.web.site import VERSION

    page = Path(path).read_text()
    if asyncapi.START not in page or asyncapi.END not in page:
        raise click.ClickException(f"{path} has no catalogue markers ({asyncapi.START})")
    head, rest = page.split(asyncapi.START, 1)
    tail = rest.split(asyncapi.END, 1)[1]
    Path(path).write_text(head + asyncapi.markdown(asyncapi.build(VERSION)) + tail)
    click.echo(f"{path}: catalogue of {len(asyncapi.build(VERSION)['channels'])} event types written")


if __name__ == "__main__":
    cli()
