"""Every command the README lists exists: a second ``@cli.group()`` of the same name silently
replaces the first (as ``events`` once did, losing ``events parked`` and ``events replay``)."""
import re
from pathlib import Path

import click

from involve.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def listed_commands() -> list[list[str]]:
    """The words before the first argument or option of each `involve ...` in the README's
    command list, e.g. ["events", "replay"] for `involve events replay ID`."""
    section = README.read_text().split("## Command line", 1)[1].split("\n## ", 1)[0]
    found = []
    for quoted in re.findall(r"`involve ([^`]+)`", section):
        words = []
        for word in quoted.split():
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        found.append(words)
    return found


def test_every_command_the_readme_lists_exists():
    listed = listed_commands()
    assert ["events", "parked"] in listed and ["events", "list"] in listed
    missing = []
    for words in listed:
        command = cli
        for word in words:
            if not isinstance(command, click.Group) or word not in command.commands:
                missing.append(" ".join(words))
                break
            command = command.commands[word]
        else:
            if isinstance(command, click.Group):
                missing.append(f"{' '.join(words)} (a group: name one of its commands)")
    assert missing == []
