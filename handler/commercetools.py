"""A small commercetools HTTP API client for the command-line tools (reconcile, explain, migrate).

The extension itself never calls commercetools: it works from the resource it is handed and
answers with actions. The tools do, with an API client's credentials (client credentials flow),
read from the same ``CTP_*`` variables the JavaScript accelerator used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from handler.settings import SettingsError

# Renew the token this long before commercetools says it expires.
TOKEN_MARGIN_S = 300
REQUEST_TIMEOUT_S = 30.0
MAX_CONFLICT_RETRIES = 3


# An http(s) URL; anything else is a settings mistake, named as such.
_URL = r"^https?://[^\s/]+(/[^\s]*)?$"


class CommercetoolsError(Exception):
    """commercetools refused or failed a request; ``status`` and ``code`` say how."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Connection(BaseModel):
    """Where the project lives and which API client opens it (``CTP_*`` variables)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    project_key: str = Field(alias="CTP_PROJECT_KEY", min_length=2)
    client_id: str = Field(alias="CTP_CLIENT_ID", min_length=1)
    client_secret: str = Field(alias="CTP_CLIENT_SECRET", min_length=1, repr=False)
    auth_url: str = Field(
        default="https://auth.europe-west1.gcp.commercetools.com",
        alias="CTP_AUTH_URL",
        pattern=_URL,
    )
    api_url: str = Field(
        default="https://api.europe-west1.gcp.commercetools.com",
        alias="CTP_API_URL",
        pattern=_URL,
    )
    scopes: str = Field(default="", alias="CTP_SCOPES")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Connection:
        values = dict(os.environ if environ is None else environ)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            # Every variable at fault at once, so a missing set is fixed in one go.
            problems = [
                f"{error['loc'][0] if error['loc'] else 'CTP_*'}: {error['msg']}"
                for error in exc.errors(include_input=False)
            ]
            raise SettingsError("; ".join(problems)) from None


class Commercetools:
    """Token handling, reads, paging by id, and updates with a retry on version conflicts."""

    def __init__(self, connection: Connection, session: Any = None) -> None:
        import requests

        self.connection = connection
        self._http = session or requests.Session()
        self._token: str | None = None
        self._token_expires = 0.0

    @property
    def project_url(self) -> str:
        return f"{self.connection.api_url.rstrip('/')}/{self.connection.project_key}"

    def get(self, path: str, **params: Any) -> dict[str, Any] | None:
        """GET ``/{projectKey}{path}``; None when the resource does not exist."""
        response = self._request("GET", path, params=params)
        if response.status_code == 404:
            return None
        return self._json(response)

    def query(self, path: str, **params: Any) -> dict[str, Any]:
        result = self.get(path, **params)
        if result is None:
            raise CommercetoolsError(f"{path} was not found", 404)
        return result

    def pages_by_id(
        self, path: str, where: str | None = None, after: str | None = None, limit: int = 500
    ) -> Iterator[list[dict[str, Any]]]:
        """Every resource under ``path`` in id order, a page at a time, from the id ``after``.

        Paging by id (``id > last``) rather than by offset stays correct while resources are
        added and is not capped at commercetools' offset limit.
        """
        last = after
        while True:
            conditions = [c for c in (where, f'id > "{last}"' if last else None) if c]
            params: dict[str, Any] = {"sort": "id asc", "limit": limit, "withTotal": "false"}
            if conditions:
                params["where"] = " and ".join(f"({c})" for c in conditions)
            results = self.query(path, **params).get("results", [])
            if not results:
                return
            yield results
            last = results[-1]["id"]
            if len(results) < limit:
                return

    def update(
        self, path: str, resource: dict[str, Any], actions: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """POST update actions at the resource's version, re-reading it after a 409."""
        current = resource
        for _ in range(MAX_CONFLICT_RETRIES + 1):
            body = {"version": current["version"], "actions": actions}
            response = self._request("POST", f"{path}/{current['id']}", json=body)
            if response.status_code != 409:
                return self._json(response)
            fresh = self.get(f"{path}/{current['id']}")
            if fresh is None:
                raise CommercetoolsError(f"{path}/{current['id']} was deleted", 404)
            current = fresh
        raise CommercetoolsError(f"{path}/{resource['id']} kept changing", 409)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        url = f"{self.project_url}{path}"
        return self._http.request(method, url, headers=headers, timeout=REQUEST_TIMEOUT_S, **kwargs)

    def _access_token(self) -> str:
        if self._token is not None and time.monotonic() < self._token_expires:
            return self._token

        connection = self.connection
        data = {"grant_type": "client_credentials"}
        if connection.scopes:
            data["scope"] = connection.scopes
        response = self._http.post(
            f"{connection.auth_url.rstrip('/')}/oauth/token",
            data=data,
            auth=(connection.client_id, connection.client_secret),
            timeout=REQUEST_TIMEOUT_S,
        )
        if response.status_code != 200:
            raise CommercetoolsError(
                f"commercetools refused the API client's credentials (HTTP {response.status_code})",
                response.status_code,
            )
        token = response.json()
        self._token = str(token["access_token"])
        self._token_expires = time.monotonic() + float(token.get("expires_in", 0)) - TOKEN_MARGIN_S
        return self._token

    def _json(self, response: Any) -> dict[str, Any]:
        if not 200 <= response.status_code < 300:
            code = None
            try:
                errors = response.json().get("errors") or [{}]
                code = errors[0].get("code")
            except ValueError:
                pass
            raise CommercetoolsError(
                f"commercetools answered HTTP {response.status_code} ({code or 'no error code'})",
                response.status_code,
                code,
            )
        result: dict[str, Any] = response.json()
        return result
