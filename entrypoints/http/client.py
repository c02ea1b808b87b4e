"""Who is on the other end of a request, as far as the request says: its address (from
X-Forwarded-For only as far as TRUSTED_PROXIES allows) and a bounded, readable user agent."""

from __future__ import annotations

from flask import request

from domain.text import readable

MAX_USER_AGENT = 512


def client() -> dict:
    return {"ip": request.remote_addr,
            "user_agent": readable(request.user_agent.string, limit=MAX_USER_AGENT)}
