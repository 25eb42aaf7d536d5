"""A small commercetools HTTP API client over ``requests``, for types and API extensions.

It gets an OAuth2 client-credentials token, reads, creates, updates and deletes resources, and
turns commercetools' error envelope into ``CommercetoolsError`` (``ConcurrentModification`` for a
409 on a stale version). ``apply_update`` adds the retry commercetools asks clients to do: on a
409, read the resource again, plan the update again from what is live, and send it once more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

logger = logging.getLogger("infra.commercetools")

Resource = dict[str, Any]
Action = dict[str, Any]

# (connect, read) seconds: the API answers in well under a second; a hang must not stall a deploy.
TIMEOUT = (5, 30)
UPDATE_ATTEMPTS = 4
# Renew the token this long before commercetools says it expires.
TOKEN_MARGIN_S = 300


@dataclass(frozen=True)
class Connection:
    """Where the project lives and the API client that may change it."""

    project_key: str
    api_url: str
    token_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Connection(project_key={self.project_key!r}, api_url={self.api_url!r})"


class CommercetoolsError(RuntimeError):
    """commercetools refused a request; ``code`` is the first error code of its answer."""

    def __init__(self, message: str, status: int, code: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class ConcurrentModification(CommercetoolsError):
    """The version sent is not the resource's current one (HTTP 409)."""


class CommercetoolsClient:
    """One project, one API client; the token is fetched on first use and renewed when old."""

    def __init__(self, connection: Connection, session: requests.Session | None = None) -> None:
        self._connection = connection
        self._session = session or requests.Session()
        self._token: str | None = None
        self._token_expires_at = 0.0

    def get(self, kind: str, resource_id: str) -> Resource | None:
        """The resource, or None when it does not exist (deleted outside Pulumi)."""
        return self._read(f"{kind}/{resource_id}")

    def get_by_key(self, kind: str, key: str) -> Resource | None:
        return self._read(f"{kind}/key={key}")

    def create(self, kind: str, draft: dict[str, Any]) -> Resource:
        return self._send("POST", kind, json=draft)

    def update(self, kind: str, resource_id: str, version: int, actions: list[Action]) -> Resource:
        body = {"version": version, "actions": actions}
        return self._send("POST", f"{kind}/{resource_id}", json=body)

    def delete(self, kind: str, resource_id: str, version: int) -> None:
        """Delete, re-reading the version on a 409; a resource already gone counts as deleted."""
        for _ in range(UPDATE_ATTEMPTS):
            try:
                self._send("DELETE", f"{kind}/{resource_id}", params={"version": version})
                return
            except ConcurrentModification:
                live = self.get(kind, resource_id)
                if live is None:
                    return
                version = live["version"]
            except CommercetoolsError as exc:
                if exc.status == 404:
                    return
                raise
        raise CommercetoolsError(
            f"DELETE {kind}/{resource_id}: still conflicting after {UPDATE_ATTEMPTS} attempts",
            409,
            "ConcurrentModification",
        )

    def _read(self, path: str) -> Resource | None:
        try:
            return self._send("GET", path)
        except CommercetoolsError as exc:
            if exc.status == 404:
                return None
            raise

    def _send(self, method: str, path: str, **kwargs: Any) -> Resource:
        url = f"{self._connection.api_url}/{self._connection.project_key}/{path}"
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        response = self._session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        logger.debug("%s %s -> %s", method, path, response.status_code)
        if not response.ok:
            raise _error(method, path, response)
        body: Resource = response.json()
        return body

    def _access_token(self) -> str:
        if self._token and time.monotonic() < self._token_expires_at:
            return self._token

        connection = self._connection
        form = {"grant_type": "client_credentials"}
        if connection.scopes:
            form["scope"] = " ".join(connection.scopes)
        response = self._session.post(
            connection.token_url,
            data=form,
            auth=(connection.client_id, connection.client_secret),
            timeout=TIMEOUT,
        )
        if not response.ok:
            raise _error("POST", "oauth/token", response)

        answer = response.json()
        self._token = answer["access_token"]
        lifetime = float(answer.get("expires_in", 3600))
        self._token_expires_at = time.monotonic() + max(lifetime - TOKEN_MARGIN_S, 0.0)
        return self._token


def apply_update(
    client: CommercetoolsClient,
    kind: str,
    resource: Resource,
    actions: list[Action],
    replan: Callable[[Resource], list[Action]],
) -> Resource:
    """Send ``actions`` against ``resource``'s version; on a 409 re-read, re-plan and retry.

    ``resource`` may be what state last recorded: when nothing changed it outside Pulumi its
    version is current and one request is enough.
    """
    for _ in range(UPDATE_ATTEMPTS):
        if not actions:
            return resource
        try:
            return client.update(kind, resource["id"], resource["version"], actions)
        except ConcurrentModification:
            live = client.get(kind, resource["id"])
            if live is None:
                raise CommercetoolsError(
                    f"{kind}/{resource['id']} was deleted outside Pulumi during the update",
                    404,
                    "ResourceNotFound",
                ) from None
            logger.info(
                "%s/%s changed meanwhile (version %s); retrying", kind, live["id"], live["version"]
            )
            resource, actions = live, replan(live)
    raise CommercetoolsError(
        f"{kind}/{resource['id']}: still conflicting after {UPDATE_ATTEMPTS} attempts",
        409,
        "ConcurrentModification",
    )


def _error(method: str, path: str, response: requests.Response) -> CommercetoolsError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    errors = body.get("errors") or [{}]
    code = errors[0].get("code")
    detail = errors[0].get("message") or body.get("message") or response.reason
    message = f"commercetools {method} {path}: {response.status_code} {code or ''} {detail}"
    error_class = ConcurrentModification if response.status_code == 409 else CommercetoolsError
    return error_class(" ".join(message.split()), response.status_code, code)
