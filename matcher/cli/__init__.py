"""The ``matcher`` command line. Each module in ``_COMMAND_MODULES`` adds its commands to ``app``
through a ``register(app)`` function; this file only wires them up and turns domain errors into
messages and exit codes.

The command modules import the library inside each command, not at module top: that is
measured, not habit. ``import matcher.cli`` costs 0.25 s of CPU; importing the stages the
commands call (programs, runs, reports, storage, the API: pandas, scikit-learn, OR-Tools,
SQLAlchemy, matplotlib) costs 6.4 s, which every ``matcher --help`` and every mistyped option
would pay. Library modules import at top.
"""

from __future__ import annotations

import importlib
import sys

import click
import typer
from rich.console import Console
from rich.markup import escape

from matcher.errors import DataValidationError, MatcherError

app = typer.Typer(
    name="matcher",
    help="Job matching, post allocation and training allocation for public employment services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # `matcher --install-completion` / `--show-completion` (bash, zsh, fish, PowerShell).
    add_completion=True,
    # Sub-commands and sub-apps inherit this from the root context.
    context_settings={"help_option_names": ["-h", "--help"]},
)

# One line per command module; each defines ``register(app: typer.Typer) -> None``.
_COMMAND_MODULES: tuple[str, ...] = (
    "matcher.cli.demo",
    "matcher.cli.data",
    "matcher.cli.scoring",
    "matcher.cli.quotas",
    "matcher.cli.allocate",
    "matcher.cli.generate",
    "matcher.cli.fairness",
    "matcher.cli.service",
    "matcher.cli.training",
)

err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from matcher import __version__

        typer.echo(f"matcher {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Job matching, post allocation and training allocation for public employment services."""


@app.command()
def version() -> None:
    """Print the version of matcher."""
    from matcher import __version__

    typer.echo(__version__)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(app)


def report_error(error: MatcherError) -> None:
    """Print a domain error for a person: every problem on its own line, no traceback."""
    if isinstance(error, DataValidationError):
        err_console.print(f"[bold red]Invalid input:[/] {len(error.problems)} problem(s)")
        for problem in error.problems[:200]:
            err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        if len(error.problems) > 200:
            err_console.print(f"  … and {len(error.problems) - 200} more")
    else:
        err_console.print(
            f"[bold red]Error:[/] {escape(str(error))}", highlight=False, soft_wrap=True
        )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``matcher`` script."""
    _register_all()
    # A closed standard output (``matcher … | head``) is handled by click and rich: exit 1, no
    # traceback; the commands write their files before they print.
    try:
        # Outside standalone mode click returns a typer.Exit's code instead of exiting.
        result = app(args=argv, standalone_mode=False)
    except MatcherError as error:
        report_error(error)
        sys.exit(error.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(130)
    except typer.exceptions.TyperException as error:  # usage errors carry their own exit codes
        if hasattr(error, "show"):
            error.show()
        sys.exit(getattr(error, "exit_code", 2))
    except click.ClickException as error:  # a bad argument found inside a command: exit 2
        error.show()
        sys.exit(error.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
