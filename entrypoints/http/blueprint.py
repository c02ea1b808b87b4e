"""flask-smorest's Blueprint, made to keep the OpenAPI document honest about the edge.

- JSON bodies are parsed with bounds: nesting depth, lone surrogates, numbers too long to
  convert: each is a 400 problem, never a RecursionError or a 500.
- A body that is not JSON where JSON is expected is a 415 problem.
- Every operation with a JSON body documents its 400, 413 and 415 problems; every operation
  gets an operationId (generated clients name their functions after it).
"""

from __future__ import annotations

import copy
import json
import re
from http import HTTPStatus

import flask_smorest
from flask import Request
from flask_smorest import abort
from gunicorn.http.errors import ParseException
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from entrypoints.http.problems import PROBLEM_JSON, ProblemSchema
from entrypoints.http.rate_limits import RETRY_AFTER_HEADER, documented_rate_limit

MAX_JSON_DEPTH = 32
BODY_PROBLEMS = (400, 413, 415)


class BodyTooStrange(ValueError):
    """Valid JSON syntax that the server will not take: too deep, or not text."""


def parse_bounded_json(data: bytes):
    """The JSON value of `data`, or BodyTooStrange / json.JSONDecodeError / UnicodeDecodeError."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise BodyTooStrange(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:  # an integer of more than 4,300 digits
        raise BodyTooStrange("a number in it is too long") from None
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise BodyTooStrange(f"nested deeper than {MAX_JSON_DEPTH} levels")
            if isinstance(item, dict):
                pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in
                           (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise BodyTooStrange("text holds a lone surrogate (\\ud800-\\udfff), which is not text")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyParser(FlaskParser):
    """Every JSON body the API documents is required: none at all is a 400, another media
    type a 415."""

    def load_json(self, req: Request, schema):
        try:
            has_body = bool(req.content_length or req.get_data(cache=True))
        except (OSError, ParseException):  # unreadable: a dropped client, a broken chunked body
            abort(400, message="the request body could not be read")
        if has_body and not is_json_request(req):
            abort(415, message="send the body as application/json")
        if not has_body:
            abort(400, message="this operation needs a JSON body")
        return super().load_json(req, schema)

    def _raw_load_json(self, req: Request):
        if not is_json_request(req):
            return core.missing
        try:
            return parse_bounded_json(req.get_data(cache=True))
        except BodyTooStrange as error:
            abort(400, messages={"json": [str(error)]})


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = BodyParser()

    def arguments(self, schema, *, location="json", **kwargs):
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse

        def decorator(view):
            return documents(*BODY_PROBLEMS)(parse(view))

        return decorator

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        for endpoint, info in self._docs.items():
            for method, operation in info.items():
                if method != "parameters":
                    manual = operation.setdefault("manual_doc", {})
                    manual.setdefault("operationId", _operation_id(method, endpoint))
                    manual.setdefault("security", [])  # public unless a bearer decorator said
                    if operation.get("rate_limited"):
                        documented_rate_limit(operation["response"]["responses"])
                    responses = operation.setdefault("response", {}).setdefault("responses", {})
                    responses.setdefault(503, [{**UNAVAILABLE}])
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)


# Any operation, when a dependency is out of reach (entrypoints/http/problems.py).
UNAVAILABLE = {"schema": ProblemSchema, "content_type": PROBLEM_JSON, "headers": RETRY_AFTER_HEADER,
               "description": "The database cannot be reached just now "
                              "(`database_unavailable`), or, where the operation reads stored "
                              "files (usage, downloads, exports), the object store "
                              "(`object_store_unavailable`): try again after Retry-After"}


def documents(*statuses: int, why: dict[int, str] | None = None):
    """Document that a view may answer these problems, as problem+json: `why` says when, for
    the statuses whose standard phrase says too little."""
    why = why or {}

    def decorator(view):
        doc = view._apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
        responses = doc.setdefault("response", {}).setdefault("responses", {})
        for status in (*statuses, *why):
            if status in why:
                responses[status] = [{"schema": ProblemSchema, "description": why[status],
                                      "content_type": PROBLEM_JSON}]
            elif not responses.get(status):
                responses[status] = [HTTPStatus(status).name]
        return view

    return decorator


def _operation_id(method: str, endpoint: str) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", "_", endpoint.removesuffix("View")).lower()
    return f"{method}_{words}"
