"""Checks that keep reading honest: nothing in a file or folder is misread in silence.

* Only regular files are read: a named pipe, socket or device named like a layer is an error,
  never a read that hangs.
* The text encoding of a Shapefile without ``.cpg`` is taken from its bytes (GDAL would read
  it as ISO-8859-1 and turn Chinese names into mojibake); a CSV table that is not UTF-8 is
  read as GB18030 with a warning.
* GeoJSON text holding NUL characters, which GDAL cuts off at the NUL, is restored from the
  file with each NUL shown as U+FFFD, and a warning says so.
* A folder is matched to levels case-insensitively; two files for one level are an error, and
  a file named like a layer that is not read (``grids.kml``) is named in a warning.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
import struct
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from gridparty.core.errors import DataFileError, InputError, LayerError, ReadWarning

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

__all__ = [
    "check_encoding",
    "check_regular_file",
    "folder_levels",
    "restore_nul_text",
    "shapefile_encoding",
]

#: Files that belong to a Shapefile (or a GIS project) beside its ``.shp``: never layers.
_COMPANIONS = (
    ".dbf",
    ".shx",
    ".prj",
    ".cpg",
    ".qix",
    ".sbn",
    ".sbx",
    ".fix",
    ".qmd",
    ".qml",
    ".sld",
    ".lyr",
    ".xml",
    ".aux",
)
#: Formats GDAL reads that gridparty does not, with how to convert them.
_CONVERT = (
    "convert it to GeoJSON or GeoPackage (QGIS: Export → Save Features As; or "
    "ogr2ogr {stem}.geojson {name})"
)
_ARCHIVES = (".zip", ".rar", ".7z", ".gz", ".tar")
_DATA_SUFFIXES = (
    ".kml",
    ".kmz",
    ".gml",
    ".gpx",
    ".dxf",
    ".dwg",
    ".tab",
    ".mif",
    ".gdb",
    ".mdb",
    ".sqlite",
    ".osm",
    ".pbf",
    ".topojson",
    ".ods",
    ".txt",
    ".tsv",
    *_ARCHIVES,
)
#: dBASE language driver ids of Chinese, Japanese and Korean code pages (936, 950, 949, 932),
#: which GDAL reads right without a ``.cpg``.
_CJK_LDIDS = frozenset({0x13, 0x4D, 0x4E, 0x4F, 0x78, 0x79, 0x7A, 0x7B})
_NUL = "\x00"
_SHOWN_NUL = "\ufffd"


def check_regular_file(path: Path) -> Path:
    """``path`` if it is a regular file (or a folder, or not there: callers say which they need).

    Raises
    ------
    DataFileError
        ``path`` is a named pipe (FIFO), socket or device: reading it could wait forever.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return path
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return path
    raise DataFileError(
        f"{str(path)!r} is {_kind(mode)}, not a regular file; gridparty reads data only from "
        "regular files: save the layer to a file and pass that."
    )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_encoding(encoding: str | None) -> str | None:
    """``encoding`` if Python knows it (``GB18030``, ``GBK``, ``UTF-8`` ...), else an InputError."""
    if encoding is None:
        return None
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise InputError(
            f"encoding={encoding!r} is not a known text encoding; use e.g. 'GB18030' (Chinese "
            "Windows, GBK), 'UTF-8' or 'Big5'."
        ) from None
    return encoding


# -- Shapefile text encoding ------------------------------------------------------------------


def shapefile_encoding(path: Path, given: str | None) -> str | None:
    """The encoding to read a Shapefile's ``.dbf`` with (None: GDAL's own choice).

    ``given`` wins. A Shapefile with a ``.cpg`` is read as it says, one whose ``.dbf`` names
    a Chinese, Japanese or Korean code page (its language driver id, e.g. 0x4D for GBK) as GDAL
    reads it. Otherwise (no id, or a Western one such as 0x57 "ANSI", which GDAL would read
    as ISO-8859-1 or CP1252 whatever the bytes are) the bytes of the field
    names and text cells decide: all UTF-8 → ``"UTF-8"``; else all GB18030 (GBK, the usual
    export of Chinese desktop GIS) → ``"GB18030"``, with a :class:`ReadWarning`. Text that is
    neither is read as GDAL does (ISO-8859-1), with a warning. Plain ASCII needs no choice.
    """
    if given is not None or path.suffix.lower() != ".shp":
        return given
    dbf = _sibling(path, ".dbf")
    if dbf is None or _sibling(path, ".cpg") is not None:
        return None
    try:
        data = dbf.read_bytes()
    except OSError:
        return None  # GDAL says what is wrong with it
    if len(data) < 32 or data[29] in _CJK_LDIDS:  # too short for GDAL too, or GBK/Big5 ...
        return None
    texts = _dbf_texts(data)
    if all(t.isascii() for t in texts):
        return None
    if all(_decodes(t, "utf-8") for t in texts):
        return "UTF-8"
    if all(_decodes(t, "gb18030") for t in texts):
        warnings.warn(
            f"{str(path)!r} has no .cpg saying how its text is encoded and its text is not "
            "UTF-8: read it as GB18030 (GBK, the Chinese Windows encoding). If the names look "
            "wrong, pass encoding='<the encoding>' (--encoding on the command line), or put a "
            f"file {path.stem}.cpg holding the encoding's name beside it.",
            ReadWarning,
            stacklevel=5,
        )
        return "GB18030"
    warnings.warn(
        f"{str(path)!r} has no .cpg saying how its text is encoded, and its text is neither "
        "UTF-8 nor GB18030: read as ISO-8859-1, names may be garbled. Pass encoding='<the "
        "encoding>' (--encoding on the command line), or put a .cpg file beside it.",
        ReadWarning,
        stacklevel=5,
    )
    return None


def _sibling(path: Path, suffix: str) -> Path | None:
    """The file beside ``path`` with its stem and ``suffix`` in any case (``.DBF``), or None."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _dbf_texts(data: bytes) -> list[bytes]:
    """The distinct field names and character cells of a dBASE file, as raw bytes."""
    count, header, width = struct.unpack("<IHH", data[4:12])
    names, fields, offset = [], [], 1  # each record starts with its deletion flag
    for start in range(32, min(header, len(data)) - 31, 32):
        if data[start] == 0x0D:
            break
        descriptor = data[start : start + 32]
        names.append(descriptor[:11].split(b"\0")[0])
        if descriptor[11:12] == b"C":
            fields.append((offset, descriptor[16]))
        offset += descriptor[16]
    body = data[header : header + count * width]
    rows = len(body) // width if width else 0
    records = np.frombuffer(body[: rows * width], dtype=np.uint8).reshape(rows, width)
    texts = set(names)
    for start, length in fields:
        cells = records[:, start : start + length]
        high = (cells >= 0x80).any(axis=1)
        if high.any():
            rows = np.ascontiguousarray(cells[high]).view(f"S{length}").ravel()
            texts.update(v.rstrip(b" ") for v in set(rows.tolist()))
    return list(texts)


def _decodes(text: bytes, encoding: str) -> bool:
    """``text`` is valid in ``encoding``, but for a character cut at its end (a full field)."""
    try:
        text.decode(encoding)
    except UnicodeDecodeError as exc:
        cut = exc.reason in ("unexpected end of data", "incomplete multibyte sequence")
        return cut and exc.end == len(text)
    return True


# -- NUL characters in GeoJSON ----------------------------------------------------------------


def restore_nul_text(path: Path, frame: FrameT) -> FrameT:
    """``frame`` read by GDAL from the GeoJSON ``path``, with text GDAL cut at a NUL restored.

    GDAL ends a string at its first NUL character (``"朝阳\\u0000门"`` is read as ``"朝阳"``),
    which can also merge different ids. The full values are taken from the file itself, each
    NUL shown as U+FFFD (``"朝阳�门"``), and a :class:`ReadWarning` names the columns. Files
    without an escaped NUL are returned as they are, unread.
    """
    if path.suffix.lower() not in (".geojson", ".json"):
        return frame
    raw = path.read_bytes()
    if b"\\u0000" not in raw:
        return frame
    try:
        features = json.loads(raw).get("features")
    except (ValueError, AttributeError):
        features = None
    found = list(_nul_cells(features)) if isinstance(features, list) else []
    if not found:
        return frame
    out = frame.copy()
    renames = {k.split(_NUL)[0]: _shown(k) for _, k, _ in found if _NUL in k}
    out = out.rename(columns={c: n for c, n in renames.items() if c in out.columns})
    restored: dict[str, int] = {}
    lost: set[str] = set()
    for row, key, value in found:
        name = _shown(key)
        cut = value.split(_NUL)[0] if isinstance(value, str) else None
        if (
            len(features) != len(out)
            or name not in out.columns
            or (cut is not None and out[name].iloc[row] != cut)
        ):
            lost.add(name)
            continue
        if cut is not None:
            out[name] = out[name].astype(object)
            # One column of that name (checked above); value is text since cut is set.
            out.iloc[row, out.columns.get_loc(name)] = _shown(value)  # type: ignore[index, arg-type]
        restored[name] = restored.get(name, 0) + 1
    parts = [f"{n} value(s) of {c!r}" for c, n in sorted(restored.items())]
    if lost:
        parts.append(f"the values of {sorted(lost)} could not be restored and are cut at the NUL")
    warnings.warn(
        f"{str(path)!r} holds text with NUL characters (\\u0000), which GDAL cuts off: "
        f"{'; '.join(parts)} read in full with each NUL shown as {_SHOWN_NUL!r}. Remove the NULs "
        "from the file to silence this.",
        ReadWarning,
        stacklevel=5,
    )
    return out


def _nul_cells(features: list[object]) -> Iterable[tuple[int, str, object]]:
    """(row, property name, value) of every property whose name or text holds a NUL."""
    for row, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, value in (props or {}).items():
            if _NUL in key or (isinstance(value, str) and _NUL in value):
                yield row, key, value


def _shown(text: str) -> str:
    """``text`` with each NUL as U+FFFD."""
    return text.replace(_NUL, _SHOWN_NUL)


# -- levels in a folder -----------------------------------------------------------------------


def folder_levels(
    folder: Path,
    layers: Mapping[str, str],
    aliases: Mapping[str, tuple[str, ...]],
    readable: tuple[str, ...],
) -> dict[str, Path]:
    """The file of each level in ``folder`` (levels without one are left out).

    A level's file is named after the level or one of ``aliases`` (any case: ``Grids.geojson``,
    ``BUILDINGS.shp``), or as ``layers`` says (a stem ``"网格2024"`` or a file name
    ``"grids.shp"``), with a suffix in ``readable``.

    Raises
    ------
    DataFileError
        Two files fit one level (``grids.geojson`` and ``grids.shp``), or the one that fits is
        not a regular file.
    LayerError
        ``layers`` names a file that is not there.

    Warns
    -----
    ReadWarning
        Files named like a layer that are not read: other formats (``grids.kml``), archives,
        and data files whose name holds a level's name (``grids_2023.geojson``).
    """
    entries = [p for p in sorted(folder.iterdir()) if not p.name.startswith((".", "~$"))]
    found: dict[str, Path] = {}
    for name, names in aliases.items():
        wanted = (layers[name],) if name in layers else names
        keys = {w.casefold() for w in wanted}
        fits = [p for p in entries if _fits(p, keys)]
        data = [p for p in fits if p.suffix.lower() in readable]
        if len(data) > 1:
            shown = ", ".join(repr(p.name) for p in data)
            raise DataFileError(
                f"{str(folder)!r} has {len(data)} files for the {name} level: {shown}; keep one, "
                f"or say which to read: layers={{{name!r}: {data[0].name!r}}} in Python, "
                f"--layers {name}={data[0].name} on the command line."
            )
        if not data and name in layers:
            raise LayerError(
                f"layers[{name!r}]={layers[name]!r}: no such file in {str(folder)!r} (one of "
                f"{', '.join(readable)}); files there: {sorted(p.name for p in entries)}."
            )
        if data:
            found[name] = check_regular_file(data[0])
            if found[name].is_dir():
                raise DataFileError(
                    f"{str(found[name])!r} is a folder, not a data file; name the level's file "
                    f"with layers={{{name!r}: '<file>'}}."
                )
    _warn_unread(folder, entries, set(found.values()), aliases, readable)
    return found


def _fits(path: Path, keys: set[str]) -> bool:
    """``path`` is named ``key`` or ``key.<suffix>`` for one of ``keys`` (case-insensitively)."""
    return path.name.casefold() in keys or (path.suffix != "" and path.stem.casefold() in keys)


def _warn_unread(
    folder: Path,
    entries: list[Path],
    read: set[Path],
    aliases: Mapping[str, tuple[str, ...]],
    readable: tuple[str, ...],
) -> None:
    """One :class:`ReadWarning` naming every file that looks like a layer but is not read.

    A file looks like a layer when its name without the suffix is a level's name or alias in
    any case (``grids.kml``, ``GRIDS``), or starts with one followed by a digit or separator
    (``grids_2023.geojson``, ``网格2024.shp``) and has a data suffix.
    """
    names = {a.casefold() for group in aliases.values() for a in group}
    notes = []
    for path in entries:
        suffix = path.suffix.lower()
        if path in read or suffix in _COMPANIONS or path.name.lower().endswith(".shp.xml"):
            continue
        stem = path.stem.casefold()
        exact = stem in names
        similar = suffix in readable + _DATA_SUFFIXES and _starts_with_name(stem, names)
        if not (exact or similar):
            continue
        if path.is_dir() and suffix != ".gdb":
            why = "a folder: move the layer's file out of it into this folder"
        elif suffix in _ARCHIVES:
            why = "an archive: unpack it into this folder"
        elif suffix not in readable:
            why = "not a format gridparty reads: " + _CONVERT.format(stem=path.stem, name=path.name)
        elif exact:
            why = "layers= names another file for its level"
        else:
            why = "not a level's name: rename it, or name it with layers={'<level>': '<file>'}"
        notes.append(f"{path.name!r} ({why})")
    if notes:
        warnings.warn(
            f"{str(folder)!r}: files named like a layer that are not read: {'; '.join(notes)}.",
            ReadWarning,
            stacklevel=6,
        )


def _starts_with_name(stem: str, names: set[str]) -> bool:
    """``stem`` is a level's name followed by a digit or separator (``grids_2023``)."""
    return any(
        stem.startswith(n) and len(stem) > len(n) and not stem[len(n)].isalpha() for n in names
    )
