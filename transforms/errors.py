"""The one exception for bad input: it names the place and says what is wrong, in Bahasa Indonesia."""

from __future__ import annotations


class InputError(Exception):
    """Bad input or a wrong request. The CLI turns it into one line and exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column

    def detached(self) -> "InputError":
        """The same error without its traceback: nothing from the frames it passed through
        (open connections, large frames) is kept alive by whoever holds the error."""
        return InputError(self.message, file=self.file, sheet=self.sheet, row=self.row, column=self.column)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"berkas {self.file}")
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"baris {self.row}")
        if self.column:
            where.append(f"kolom {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message
