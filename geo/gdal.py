"""GDAL's error text made fit for users: its hints for programmers dropped.

GDAL (through pyogrio) explains a file it cannot open with a hint meant for
someone calling GDAL by hand: "It might help to specify the correct driver
explicitly by prefixing the file path with '<DRIVER>:', e.g. 'CSV:path'". A
planner cannot act on that. :func:`gdal_message` is the one place where a
GDAL error becomes part of a message shown to users (workspace open errors,
import errors, the province engine's parcel count): it drops that hint and
GDAL's virtual file system prefixes (``/vsizip/``), and keeps the rest.
"""

from __future__ import annotations

import re

_DRIVER_HINT = re.compile(
    r"\s*[;.]?\s*It might help to specify the correct driver[^;]*?"
    r"(?:'<DRIVER>:'(?:,?\s*e\.g\.\s*'[^']*')?)\.?",
    re.IGNORECASE | re.DOTALL,
)
_ANY_DRIVER_PREFIX = re.compile(r"[^;.]*<DRIVER>:[^;]*[;.]?", re.IGNORECASE)
_VSI = re.compile(r"/vsi(?:zip|gzip|tar|mem|subfile)/")


def gdal_message(err: BaseException | str) -> str:
    """The text of a GDAL/pyogrio error without GDAL's driver-prefix hint.

    Examples
    --------
    >>> gdal_message(
    ...     "'/vsizip/d.zip' not recognized as being in a supported file format.; It might "
    ...     "help to specify the correct driver explicitly by prefixing the file path with "
    ...     "'<DRIVER>:', e.g. 'CSV:path'."
    ... )
    "'d.zip' not recognized as being in a supported file format"
    >>> gdal_message("no such layer 'x'")
    "no such layer 'x'"
    """
    text = str(err)
    text = _DRIVER_HINT.sub("", text)
    text = _ANY_DRIVER_PREFIX.sub("", text)
    text = _VSI.sub("", text)
    return text.strip().rstrip(";.").strip()
