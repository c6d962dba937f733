"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.services.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, created in the app's lifespan."""
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
