"""The engine's errors live with the datasets (:mod:`geo.dataset.errors`)."""

from geo.dataset.errors import DatasetError, EngineError

__all__ = ["DatasetError", "EngineError"]
