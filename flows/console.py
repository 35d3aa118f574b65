"""What the operator sees in the terminal: argparse in Bahasa Indonesia, one line per stage with a
progress bar where a stage runs long, one summary table, every error once."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from transforms.errors import InputError

# Not a terminal (a log file, a test): no colours, no cursor tricks, lines not cut at 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


def fmt(n: int | float | None) -> str:
    """One way to write a count everywhere: 100.367 (Indonesian thousands separator)."""
    if n is None:
        return "-"
    return f"{int(n):,}".replace(",", ".")


def error(message: str) -> None:
    """The one line an error gets."""
    err.print(f"pdpb: {message}", markup=False)


def warn(message: str) -> None:
    out.print(f"[bold yellow]PERHATIAN[/]: {escape(message)}")


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(str(text))


# --- stages ----------------------------------------------------------------------------------------


class Stages:
    """One line per stage: '✓ membaca 7 berkas  2,1 s'. Long stages show a spinner or a bar while
    they run (only on a terminal; in a log file the finished line is all that appears)."""

    def __init__(self, console: Console = out) -> None:
        self.console = console

    @contextmanager
    def stage(self, text: str, total: int | None = None) -> Iterator["_Stage"]:
        columns = [SpinnerColumn(), TextColumn("{task.description}")]
        if total:
            columns += [BarColumn(), MofNCompleteColumn()]
        columns.append(TimeElapsedColumn())
        progress = Progress(*columns, console=self.console, transient=True,
                            disable=not self.console.is_terminal)
        handle = _Stage(progress, text, total)
        started = time.perf_counter()
        with progress:
            handle.task = progress.add_task(text, total=total)
            yield handle
        seconds = time.perf_counter() - started
        if handle.failed:
            self.console.print(f"[red]✗[/] {escape(text)}  [dim]{_seconds(seconds)}[/]")
        else:
            self.console.print(f"[green]✓[/] {escape(handle.result or text)}  [dim]{_seconds(seconds)}[/]")


class _Stage:
    def __init__(self, progress: Progress, text: str, total: int | None) -> None:
        self.progress, self.text, self.total = progress, text, total
        self.task = None
        self.result: str | None = None
        self.failed = False

    def advance(self, what: str | None = None) -> None:
        self.progress.advance(self.task)
        if what:
            self.progress.update(self.task, description=f"{self.text}: {what}")

    def done(self, text: str) -> None:
        """The line printed when the stage ends (default: the stage's own name)."""
        self.result = text


def _seconds(s: float) -> str:
    return f"{s:.1f} s".replace(".", ",")


class WarningsToConsole(logging.Handler):
    """The pipeline's warnings (PERHATIAN lines) on the console; its info lines belong to the log."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            return  # an error reaches the operator once, from the CLI
        warn(record.getMessage())


class PrefectLines(logging.Handler):
    """A flow's log lines under the CLI (flows/logging.yml): a task's own lines become stage lines,
    warnings PERHATIAN lines; Prefect's engine lines and errors stay in the server's log (the CLI
    prints the error once)."""

    ENGINE = ("Finished in state", "Created task run", "Beginning flow run", "Created flow run", "Running ",
              "Executing ", "View at ", "Encountered exception", "Crash detected")

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.levelno >= logging.ERROR or msg.startswith(self.ENGINE):
            return
        if record.levelno >= logging.WARNING:
            warn(msg)
        elif record.name.startswith("prefect.task_runs"):
            out.print(f"[green]✓[/] {escape(msg)}")


class DaskLines(logging.Handler):
    """Dask's warnings and errors under the CLI (flows/logging.yml), e.g. a worker that died: one
    PERHATIAN line each, its first line only (the flow's own error is printed by the CLI)."""

    def emit(self, record: logging.LogRecord) -> None:
        warn(f"dask: {record.getMessage().splitlines()[0] if record.getMessage() else record.name}")


def pipeline_logger() -> logging.Logger:
    logger = logging.getLogger("pdpb.konsol")
    if not logger.handlers:
        logger.addHandler(WarningsToConsole())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class HideInputErrorTraceback(logging.Filter):
    """Served runs log through Prefect: for bad input the log gets one line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InputError):
            record.exc_info = None
            record.exc_text = None
        msg = record.getMessage() if record.args else str(record.msg)
        return not ("Traceback" in msg and "InputError" in msg)


def install_log_filter() -> None:
    """Served runs log through Prefect, not the CLI: bad input is one line there too."""
    flt = HideInputErrorTraceback()
    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.engine"):
        logger = logging.getLogger(name)
        logger.addFilter(flt)
        for handler in logger.handlers:
            handler.addFilter(flt)


# --- tables ----------------------------------------------------------------------------------------


def summary_table(title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, escape(value))
    _print_table(table)


def print_run(result: dict) -> None:
    """The summary table of one quarter's run (`pdpb run`, `pdpb demo`)."""
    p = result["perubahan"]
    rows = [
        ("Triwulan", f"{result['kuartal']}{' (dijalankan ulang)' if result['ulang'] else ''}"),
        ("BARU", fmt(p["BARU"])),
        ("TMS", fmt(p["TMS"])),
        ("UBAH", fmt(p["UBAH"])),
        ("Kandidat verifikasi", fmt(result["verifikasi"])),
        ("Baris dikarantina", fmt(result["karantina"])),
    ]
    if "pemilih_awal" in result:
        rows.append(("Pemilih aktif", f"{fmt(result['pemilih_awal'])} → {fmt(result['pemilih_akhir'])}"))
    else:
        rows.append(("Pemilih aktif", fmt(result["pemilih_akhir"])))
    if result.get("dilewati"):
        rows.append(("Dilewati (dicatat)", ", ".join(result["dilewati"])))
    rows.append(("Laporan", str(result["keluaran"])))
    summary_table("Ringkasan", rows)
    if not result["seimbang"]:
        warn("rekapitulasi tidak seimbang; lihat 'rekonsiliasi' di ringkasan.json")


def grid(columns: list[tuple[str, str]], rows: list[list[str]], title: str | None = None) -> None:
    """A table with a header; `columns`: (caption, 'left'|'right')."""
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1), header_style="bold")
    for caption, justify in columns:
        table.add_column(caption, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(escape(c) for c in row))
    _print_table(table)


def _print_table(table: Table) -> None:
    """On a terminal as rich draws it; in a file without the padding at the ends of lines."""
    if out.is_terminal:
        out.print(table)
        return
    with out.capture() as captured:
        out.print(table)
    for line in captured.get().splitlines():
        print(line.rstrip())


# --- argparse in Bahasa Indonesia -------------------------------------------------------------------

# argparse's own messages (Python 3.11-3.13), as the operator should read them.
_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"the following arguments are required: PERINTAH"), r"perintah belum diberikan"),
    (re.compile(r"argument PERINTAH: invalid choice: '?([^']*)'? \(choose from (.+)\)"),
     r"perintah '\1' tidak dikenal; pilih salah satu: \2"),
    (re.compile(r"the following arguments are required: (.+)"), r"opsi ini wajib diisi: \1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"opsi tidak dikenal: \1"),
    (re.compile(r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.+)\)"),
     r"'\2' tidak dikenal untuk \1; pilih salah satu: \3"),
    (re.compile(r"argument (\S+): expected one argument"), r"opsi \1 memerlukan satu nilai"),
    (re.compile(r"argument (\S+): expected at least one argument"), r"opsi \1 memerlukan paling sedikit satu nilai"),
    (re.compile(r"argument (\S+): invalid (\S+) value: '?([^']*)'?"), r"opsi \1: nilai '\3' tidak sah"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), r"opsi \1 tidak boleh dipakai bersama \2"),
    (re.compile(r"one of the arguments (.+) is required"), r"salah satu opsi ini wajib diisi: \1"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), r"opsi \1 tidak jelas; maksudnya salah satu dari: \2"),
    (re.compile(r"argument (\S+): ignored explicit argument '?([^']*)'?"), r"opsi \1 tidak menerima nilai ('\2')"),
    (re.compile(r"argument (\S+): (.+)"), r"opsi \1: \2"),
]


def translate(message: str) -> str:
    for pattern, replacement in _MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message).replace("'", "")
    return message


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=100)

    def _get_help_string(self, action: argparse.Action) -> str:
        """Every option says its default, also when its help text does not."""
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "bawaan" in text or "wajib" in text:
            return text
        if action.required:
            return f"{text} (wajib)"
        if isinstance(action, argparse._StoreTrueAction):
            shown = "tidak"
        elif action.default in (None, [], ""):
            shown = "tidak diisi"
        else:
            shown = str(action.default).replace("%", "%%")
        return f"{text} (bawaan: {shown})"

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001
        super().add_usage(usage, actions, groups, prefix="penggunaan: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Bahasa Indonesia and refuses a wrong command in one line (exit 2)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumen"
        self._optionals.title = "opsi"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="tampilkan bantuan ini lalu keluar")

    def error(self, message: str):  # noqa: ANN201
        error(f"{translate(message)} (lihat `{self.prog} --help`)")
        self.exit(2)

    def add_subparsers(self, **kwargs):  # noqa: ANN003, ANN201
        kwargs.setdefault("title", "perintah")
        kwargs.setdefault("metavar", "PERINTAH")
        kwargs.setdefault("parser_class", Parser)
        return super().add_subparsers(**kwargs)
