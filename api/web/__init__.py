"""The H5 chat page: static assets served locally under a strict Content-Security-Policy."""

from api.web.router import router

__all__ = ["router"]
