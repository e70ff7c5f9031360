"""The one look of every workbook gridparty writes (used by :func:`gridparty.core.io.write_workbook`).

* a frozen header row and an autofilter over every table;
* column widths fitted to the text (CJK characters count double), between 6 and 60;
* numbers shown rounded with their unit, chosen by the column's code name: ``_m2`` to whole
  square metres, ``_m`` to 0.1 m, ``_km2`` to 0.001 km², ``ratio``/``share``/``_rate`` as a
  percentage with one decimal, whole-number columns with thousands separators. Only the number
  format rounds: the cells keep the exact values, so sums and re-use stay exact;
* a 说明 (Notes) sheet listing the gridparty version and the parameters of the run.

Summary sheets (a ``value`` column indexed by ``figure``) get the format of each figure's name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NOTES_SHEET",
    "VERSION",
    "column_width",
    "notes_table",
    "number_format",
    "style_sheet",
]

#: The gridparty version written on every workbook's notes sheet.
VERSION = "0.1.0"

#: Name of the notes sheet by language.
NOTES_SHEET = {"zh": "说明", "en": "Notes"}

#: Number formats by unit (openpyxl/Excel codes).
_FORMATS = {
    "m2": "#,##0",
    "m": "#,##0.0",
    "km2": "#,##0.000",
    "percent": "0.0%",
    "count": "#,##0",
}
_WIDTH_MIN, _WIDTH_MAX = 6, 60


def number_format(name: str, values: pd.Series | None = None) -> str | None:
    """The Excel number format of a column (or summary figure) called ``name``.

    Parameters
    ----------
    name : str
        Code name, e.g. ``gap_m2``, ``distance_m``, ``coverage_ratio``, ``buildings``.
    values : Series, optional
        The column; whole-number columns without a unit suffix get thousands separators.

    Returns
    -------
    str or None
        ``"#,##0"`` (m², counts), ``"#,##0.0"`` (m), ``"#,##0.000"`` (km²), ``"0.0%"``
        (ratios, shares, rates), or None (left as written).

    Examples
    --------
    >>> number_format("gap_m2"), number_format("coverage_ratio"), number_format("name")
    ('#,##0', '0.0%', None)
    """
    key = name.lower()
    for suffix in ("_before", "_after"):
        key = key.removesuffix(suffix)
    if key.endswith(("_km2", "km2")):
        return _FORMATS["km2"]
    if key.endswith(("_m2", "area_m2")):
        return _FORMATS["m2"]
    if key.endswith("_m"):
        return _FORMATS["m"]
    if "ratio" in key or "share" in key.split("_") or key.endswith(("_share", "_rate", "_rates")):
        return _FORMATS["percent"]
    if values is not None and pd.api.types.is_integer_dtype(values.dtype):
        return _FORMATS["count"]
    return None


def column_width(texts: list[str]) -> float:
    """Width (Excel characters) fitting the longest of ``texts``; CJK characters count double."""
    longest = max((_display(t) for t in texts), default=0)
    return float(min(max(longest + 2, _WIDTH_MIN), _WIDTH_MAX))


def _display(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def notes_table(
    notes: Mapping[str, object] | None, lang: str, version: str = VERSION
) -> pd.DataFrame:
    """The notes sheet: the gridparty version, then each parameter of the run as text."""
    words = {
        "zh": ("参数", "值", "gridparty 版本"),
        "en": ("parameter", "value", "gridparty version"),
    }
    key, value, version_word = words[lang]
    rows = [(version_word, version)]
    rows += [(str(k), _note_text(v)) for k, v in (notes or {}).items()]
    return pd.DataFrame(rows, columns=[key, value])


def _note_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(map(str, sorted(value) if isinstance(value, (set, frozenset)) else value))
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def style_sheet(sheet: Any, table: pd.DataFrame, codes: list[str], index_levels: int) -> None:
    """Freeze the header, add the autofilter, set number formats and fit the column widths.

    Parameters
    ----------
    sheet : openpyxl worksheet
        As written by :meth:`pandas.DataFrame.to_excel` (header in row 1).
    table : DataFrame
        The table written (index written as the first ``index_levels`` columns).
    codes : list of str
        Code names of every written column, index columns first (number formats follow them).
    index_levels : int
        How many index columns precede the table's columns (0 when the index is not written).
    """
    from openpyxl.utils import get_column_letter

    rows = len(table) + 1
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(codes), 1))
    sheet.auto_filter.ref = f"A1:{last}{rows}"
    figures = _figure_names(table, codes, index_levels)
    for position, code in enumerate(codes, start=1):
        values = (
            table.index.get_level_values(position - 1).to_series()
            if position <= index_levels
            else table.iloc[:, position - 1 - index_levels]
        )
        cells = [sheet.cell(row=r, column=position) for r in range(2, rows + 1)]
        if figures is not None and code == "value":
            for cell, figure in zip(cells, figures, strict=True):
                fmt = number_format(figure)
                if (
                    fmt
                    and isinstance(cell.value, (int, float))
                    and not isinstance(cell.value, bool)
                ):
                    cell.number_format = fmt
        elif (fmt := number_format(code, values)) is not None and _numeric(values):
            for cell in cells:
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
        shown = [str(sheet.cell(row=1, column=position).value or "")]
        shown += [_shown(cell.value, cell.number_format) for cell in cells]
        sheet.column_dimensions[get_column_letter(position)].width = column_width(shown)


def _figure_names(table: pd.DataFrame, codes: list[str], index_levels: int) -> list[str] | None:
    """The figure code names of a summary table (a ``value`` column indexed by ``figure``)."""
    if index_levels == 1 and "value" in codes and codes[0] == "figure":
        return [str(v) for v in table.index]
    return None


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )


def _shown(value: object, fmt: str) -> str:
    """Roughly the text Excel shows for ``value`` in format ``fmt`` (for the column width)."""
    if value is None:
        return ""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        number = float(value)
        if fmt.endswith("%"):
            return f"{number * 100:,.1f}%"
        decimals = len(fmt.split(".")[1]) if "." in fmt else (0 if "#" in fmt else 6)
        return f"{number:,.{decimals}f}"
    return str(value)
