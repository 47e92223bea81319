"""The root of every error Tenglong raises on purpose.

Every error class in the package subclasses :class:`TenglongError` through one
of three bases, so the two faces (the command line and the app) catch the
root once and show its message, while library callers keep catching the
familiar builtin they already expect:

============================  ===================  ==============================
base                          also a               for
============================  ===================  ==============================
:class:`InputError`           ``ValueError``       bad data, options or configuration
:class:`OperationError`       ``RuntimeError``     a workspace, store or tool that cannot do it now
:class:`AccessError`          ``PermissionError``  a role that may not see or do it
============================  ===================  ==============================

Messages say what is wrong and what to do next; they are shown to users as
they are (escaped for the medium).

Examples
--------
>>> from geo.crs import CRSError
>>> issubclass(CRSError, TenglongError) and issubclass(CRSError, ValueError)
True
"""

from __future__ import annotations

__all__ = ["AccessError", "InputError", "OperationError", "TenglongError"]


class TenglongError(Exception):
    """Root of every error raised by Tenglong on purpose."""


class InputError(TenglongError, ValueError):
    """The data, an option or a configuration file is wrong: fix it and run again."""


class OperationError(TenglongError, RuntimeError):
    """A workspace, store, engine or tool cannot do what was asked right now."""


class AccessError(TenglongError, PermissionError):
    """The role in use may not see or do this."""
