"""The one rule every public method of the account follows."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def settled(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Run ``method`` under the account's lock, after running any job that has come due."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.lock:
            self._run_due_jobs()
            return method(self, *args, **kwargs)

    return wrapper
