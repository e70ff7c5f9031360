"""The dtypes of gridparty's layers and result tables, the same with and without pyarrow.

pandas picks the storage of its ``"string"`` dtype by what is installed: Arrow when pyarrow
is there, Python objects otherwise. The two behave differently (a comparison of Arrow strings
gives ``bool[pyarrow]``, not ``boolean``; some joins of empty Arrow columns fail), so gridparty
never leaves the choice to pandas: every id, parent id and text column it makes is
:data:`TEXT_DTYPE`, Python-backed nullable strings, in every environment. Yes/no columns are
:data:`FLAG_DTYPE` (pandas' nullable ``boolean``) and counts :data:`COUNT_DTYPE` (``Int64``).
All three print as ``string``, ``boolean`` and ``Int64`` and hold ``pd.NA`` for a missing value.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

__all__ = [
    "COUNT_DTYPE",
    "FLAG_DTYPE",
    "ID_DTYPE",
    "KIND_DTYPES",
    "TEXT_DTYPE",
    "as_flags",
    "as_text",
]

#: Text and ids: nullable strings stored as Python objects whether or not pyarrow is installed.
# Typed as Any: pandas-stubs give StringDtype a storage type parameter that pd.array rejects.
TEXT_DTYPE: Any = pd.StringDtype("python", na_value=pd.NA)
#: Ids and parent ids (the index of every layer, ``grid_id`` and the like): :data:`TEXT_DTYPE`.
ID_DTYPE: Any = TEXT_DTYPE
#: Yes/no flags (``has_party_org``, ``agree``): pandas' nullable ``boolean``.
FLAG_DTYPE: pd.BooleanDtype = pd.BooleanDtype()
#: Counts (households, members, grid workers): pandas' nullable ``Int64``.
COUNT_DTYPE: pd.Int64Dtype = pd.Int64Dtype()

#: The dtype of each attribute kind of :mod:`gridparty.core.schema` (``"str"``, ``"int"``, ``"bool"``).
KIND_DTYPES: dict[str, pd.api.extensions.ExtensionDtype] = {
    "str": TEXT_DTYPE,
    "int": COUNT_DTYPE,
    "bool": FLAG_DTYPE,
}


def as_text(values: object) -> pd.arrays.StringArray:
    """``values`` (list, array, Series, Index) as a :data:`TEXT_DTYPE` array; None/NaN → ``pd.NA``.

    Examples
    --------
    >>> as_text(["G1", None]).tolist()
    ['G1', <NA>]
    """
    return cast("pd.arrays.StringArray", pd.array(values, dtype=TEXT_DTYPE))  # type: ignore[call-overload]  # any array-like


def as_flags(values: object) -> pd.arrays.BooleanArray:
    """``values`` (booleans, possibly Arrow ``bool[pyarrow]`` or with NA) as :data:`FLAG_DTYPE`.

    Examples
    --------
    >>> as_flags([True, None]).tolist()
    [True, <NA>]
    """
    return cast("pd.arrays.BooleanArray", pd.array(values, dtype=FLAG_DTYPE))  # type: ignore[call-overload]  # any array-like
