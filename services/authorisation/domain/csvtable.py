"""A school's MIS export (CSV) read as a table of named fields, each row with its line number.
Pure: the file's bytes in, rows and problems out.

Real exports are messy: a byte order mark, Windows line ends, quoted commas and line breaks, a
file saved by Excel as Windows-1252, headers that differ from one MIS to the next ("Legal
Forename", "Forename", "First Name"), blank rows at the end. Each column is found by the first
of its names (in order of preference) the header has, case and punctuation aside.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from services.authorisation.domain.entries import Refused

Progress = Callable[[str, int, int], None]  # (stage, done, total)
EVERY = 250  # rows between progress reports
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing to fix in the file: where (line, column) and what."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, list[str]]  # field -> its columns' values, in order of preference

    def first(self, name: str) -> str:
        """The first non-blank value of the field's columns ('' if none)."""
        return next((value for value in self.cells.get(name, []) if value), "")


@dataclass
class Table:
    columns: dict[str, list[str]]  # field -> the headers found for it, as the file writes them
    rows: list[Row]
    header_line: int
    encoding: str
    ignored: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to read at all (its one problem says so)."""
        return not self.columns and not self.rows and bool(self.problems)

    def label(self, name: str, fallback: str) -> str:
        """How the file itself names a field's column (for problems), or `fallback`."""
        return (self.columns.get(name) or [fallback])[0]


class Cells:
    """One row's fields, read and checked; each refusal kept as a problem at its column."""

    def __init__(self, row: Row, table: Table, labels: dict[str, str]) -> None:
        self.row, self.table, self.labels = row, table, labels
        self.problems: list[Problem] = []

    def take(self, name: str, read: Callable[[str], T], value: str | None = None) -> T | None:
        """`read` of the field's value (or of `value`); None, with a problem kept, if refused."""
        try:
            return read(self.row.first(name) if value is None else value)
        except Refused as error:
            self.refuse(name, str(error))
            return None

    def optional(self, name: str, read: Callable[[str], T]) -> T | None:
        """As `take`, but a blank cell is None and no problem."""
        return self.take(name, read) if self.row.first(name) else None

    def refuse(self, name: str, message: str) -> None:
        label = self.table.label(name, self.labels.get(name, name))
        self.problems.append(Problem(self.row.line, label, message))


def normal(header: str) -> str:
    """'Contact 1 - Mobile No.' -> 'contact 1 mobile no'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (a byte order mark dropped), else Windows-1252, which
    Excel writes when it saves 'CSV' on Windows."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def read_table(data: bytes, aliases: dict[str, list[str]], progress: Progress | None = None
               ) -> Table:
    """Rows of the fields named in `aliases` (field -> column names, most preferred first)."""
    text, encoding = decode(data)
    lines = list(_records(text))
    if not lines:
        return Table({}, [], 1, encoding, problems=[Problem(1, "header", "the file is empty")])
    header_line, header = lines[0]
    by_name: dict[str, int] = {}
    for index, name in enumerate(header):
        by_name.setdefault(normal(name), index)
    columns = {f: [i for i in (by_name.get(normal(a)) for a in names) if i is not None]
               for f, names in aliases.items()}
    columns = {f: list(dict.fromkeys(indexes)) for f, indexes in columns.items() if indexes}
    used = {i for indexes in columns.values() for i in indexes}
    table = Table({f: [header[i].strip() for i in indexes] for f, indexes in columns.items()},
                  [], header_line, encoding,
                  ignored=[h.strip() for i, h in enumerate(header) if i not in used and h.strip()])
    total = len(lines) - 1
    for done, (line, cells) in enumerate(lines[1:], start=1):
        if isinstance(cells, str):
            table.problems.append(Problem(line, "row", cells))
        elif any(cell.strip() for cell in cells):
            values = {f: [_cell(cells, i) for i in indexes] for f, indexes in columns.items()}
            table.rows.append(Row(line, values))
        if progress and (done % EVERY == 0 or done == total):
            progress("read", done, total)
    return table


def _cell(cells: list[str], index: int) -> str:
    return " ".join(cells[index].split()) if index < len(cells) else ""


def _records(text: str) -> Iterable[tuple[int, list[str] | str]]:
    """(line where the record starts, its cells), skipping blank lines before the header; a
    record the csv module cannot read comes as its error message instead of cells."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    started = False
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, f"unreadable CSV ({error}): check its quotes"
            return
        if started or any(cell.strip() for cell in cells):
            started = True
            yield line, cells
        line = reader.line_num + 1
