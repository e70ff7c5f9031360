"""Text at the output boundary: what CSV, Excel and GeoPackage files can hold, and no formulas.

Every writer of :mod:`gridparty.core.io` passes the text it writes (cells, column names, sheet and
layer names) through one :class:`OutputText`, which

* replaces what the formats cannot hold (control characters other than tab, line feed and
  carriage return, U+FFFE/U+FFFF and surrogates, which XML, UTF-8 and GDAL refuse or cut at) by
  U+FFFD;
* cuts text for spreadsheets (CSV, Excel) to Excel's 32,767 characters per cell, ending in "…";
* prefixes CSV text that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return, or with one of ``=+-@`` after blanks) with ``'``,
  as OWASP advises. Excel cells are made string cells instead (:func:`string_cells`), so
  their text is kept exactly;

and warns once per file (:class:`~gridparty.core.errors.OutputTextWarning`) naming the fields whose
text it replaced or cut. Numbers are never touched.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from gridparty.core.errors import OutputTextWarning

__all__ = ["EXCEL_CELL", "EXCEL_SHEET", "OutputText", "clean", "sheet_names", "string_cells"]

#: Longest text of an Excel cell, in UTF-16 code units (Excel's "characters").
EXCEL_CELL = 32_767
#: Longest Excel sheet name, in UTF-16 code units.
EXCEL_SHEET = 31
#: What stands for a character a format cannot hold.
REPLACEMENT = "\ufffd"
#: What ends text cut to :data:`EXCEL_CELL`.
CUT_MARK = "…"

#: Characters XML 1.0 (Excel), UTF-8 (GeoPackage, CSV) or GDAL (NUL) cannot hold.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Text a spreadsheet would run as a formula (OWASP's list; blanks before a sign too).
_FORMULA = re.compile(r"[\t\r]|[ \t\r\n]*[=+\-@]")
#: Characters Excel refuses in sheet names.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: Sheet names Excel reserves (compared case-insensitively).
_RESERVED_SHEETS = frozenset({"history"})
#: How many fields a warning names before "and N more".
_NAMED = 12


def clean(text: str) -> str:
    """``text`` with every character the output formats cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub(REPLACEMENT, text)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula (see the module notes)."""
    return _FORMULA.match(text) is not None


def cut(text: str, units: int, mark: str = "") -> str:
    """``text`` cut to at most ``units`` UTF-16 code units, ``mark`` included when it is cut.

    A character outside the Basic Multilingual Plane counts twice (as in Excel) and is never
    split.
    """
    if len(text) * 2 <= units:  # fast path: cannot exceed
        return text
    encoded = text.encode("utf-16-le", "surrogatepass")
    if len(encoded) <= 2 * units:
        return text
    room = 2 * (units - len(mark.encode("utf-16-le")) // 2)
    return encoded[:room].decode("utf-16-le", "ignore") + mark


def sheet_names(names: Iterable[object]) -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in order.

    Characters the format cannot hold become U+FFFD and ``[]:*?/\\`` become ``_``; a name is cut
    to 31 characters, may not start or end with ``'`` (it becomes ``_``) nor be empty
    (``sheet``). A name already taken (Excel compares them ignoring case) is cut further and
    numbered ``~2``, ``~3`` …. Valid unique names are kept as they are, so the function may be
    applied twice.
    """
    taken = set(_RESERVED_SHEETS)
    out: list[str] = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", clean(str(name))) or "sheet"
        candidate = _sheet_cut(base, EXCEL_SHEET)
        number = 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f"~{number}"
            candidate = _sheet_cut(base, EXCEL_SHEET - len(suffix)) + suffix
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _sheet_cut(name: str, units: int) -> str:
    name = cut(name, units)
    if name.startswith("'"):
        name = "_" + name[1:]
    if name.endswith("'"):
        name = name[:-1] + "_"
    return name


def string_cells(sheet: Any) -> None:
    """Make every text cell of an openpyxl worksheet a string cell.

    openpyxl stores text starting with ``=`` as a formula and ``#N/A``-like text as an error
    value; text from data must be neither. Text a spreadsheet would take for a formula also gets
    Excel's quote prefix, so editing the cell keeps it text.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                cell.data_type = "s"
            if cell.data_type == "s" and isinstance(cell.value, str) and is_formula(cell.value):
                cell.quotePrefix = True


class OutputText:
    """The text of one file being written: cleaned, cut and neutralised; one warning at the end.

    Parameters
    ----------
    spreadsheet : bool
        Cut text to Excel's :data:`EXCEL_CELL` characters per cell (CSV and Excel).
    formulas : bool
        Prefix text a spreadsheet would run as a formula with ``'`` (CSV).
    """

    def __init__(self, *, spreadsheet: bool = False, formulas: bool = False) -> None:
        self.spreadsheet = spreadsheet
        self.formulas = formulas
        self.replaced: dict[str, None] = {}  # fields, in order met
        self.cut: dict[str, None] = {}

    def text(self, value: str, field: str) -> str:
        """One text written in ``field`` (e.g. ``"grids/name"``), made safe."""
        out = clean(value)
        if out != value:
            self.replaced[field] = None
        if self.spreadsheet:
            shorter = cut(out, EXCEL_CELL, CUT_MARK)
            if shorter != out:
                self.cut[field] = None
            out = shorter
        if self.formulas and is_formula(out):
            out = "'" + out
        return out

    def frame(self, frame: pd.DataFrame, where: str | None = None) -> pd.DataFrame:
        """A copy of ``frame`` whose text (cells, index, column and index names) is made safe.

        ``where`` (a sheet or layer name) starts the field names in the warning.
        """
        prefix = f"{where}/" if where else ""
        out = frame.copy()
        for position, name in enumerate(frame.columns):
            column = out.iloc[:, position]
            if _may_hold_text(column):
                field = f"{prefix}{name}"
                # pandas takes any array-like here; the stubs leave out Index.
                out.isetitem(position, self._values(column, field))  # type: ignore[arg-type]
        out.columns = self._labels(frame.columns, prefix)
        if isinstance(out.index, pd.MultiIndex):
            out.index = pd.MultiIndex.from_arrays(
                [
                    self._values(out.index.get_level_values(i), f"{prefix}{n or 'index'}")
                    for i, n in enumerate(out.index.names)
                ],
                names=out.index.names,
            )
        elif _may_hold_text(out.index):
            out.index = self._values(out.index, f"{prefix}{out.index.name or 'index'}")
        out.index.names = [
            n if n is None else self.text(str(n), f"{prefix}{n}") for n in out.index.names
        ]
        return out

    def warn(self, path: str | os.PathLike[str]) -> None:
        """Warn once about ``path`` when text was replaced or cut."""
        parts = []
        if self.replaced:
            parts.append(
                "characters the format cannot hold (control characters, U+FFFE/U+FFFF, "
                f"surrogates) replaced by U+FFFD in {_fields(self.replaced)}"
            )
        if self.cut:
            parts.append(
                f"text longer than Excel's {EXCEL_CELL:,} characters per cell cut (ending in "
                f"{CUT_MARK!r}) in {_fields(self.cut)}"
            )
        if parts:
            warnings.warn(
                f"{os.fspath(path)!r}: " + "; ".join(parts) + ".", OutputTextWarning, stacklevel=3
            )

    def _values(self, values: pd.Series | pd.Index, field: str) -> pd.Series | pd.Index:
        data = values.to_numpy(dtype=object)
        safe = np.array([self.text(v, field) if isinstance(v, str) else v for v in data], object)
        if isinstance(values, pd.Index):
            return pd.Index(safe, name=values.name, dtype=object, tupleize_cols=False)
        same = all(a is b for a, b in zip(safe, data, strict=True))
        return values if same else pd.Series(safe, index=values.index, name=values.name)

    def _labels(self, labels: pd.Index, prefix: str) -> pd.Index:
        return pd.Index(
            [self.text(c, f"{prefix}{c}") if isinstance(c, str) else c for c in labels],
            dtype=object,
            name=labels.name,
            tupleize_cols=False,
        )


def _may_hold_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.StringDtype)
        or (isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype == object)
    )


def _fields(fields: dict[str, None]) -> str:
    names = list(fields)
    shown = ", ".join(repr(n) for n in names[:_NAMED])
    return shown + (f" and {len(names) - _NAMED} more" if len(names) > _NAMED else "")
