"""The `evaljobs` command: one click group, its commands gathered from `evaljobs.commands`.

Each module of `evaljobs/commands/` owns a few related commands and lists them in a
module-level `COMMANDS` list; this file only assembles the group, so adding a command never
means editing a shared file.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

import click

from evaljobs import commands as commands_package


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """evaljobs: remote human-feedback AI jobs, collected, judged and published."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _register_commands() -> None:
    for module_info in sorted(
        pkgutil.iter_modules(commands_package.__path__), key=lambda m: m.name
    ):
        module = importlib.import_module(f"{commands_package.__name__}.{module_info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register_commands()
