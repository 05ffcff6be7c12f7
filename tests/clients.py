"""REST clients for tests: the real API on loopback, as an anonymous caller or with an admin token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.presentation.access import AccessPolicy, ApiToken, Scope, hash_token
from assistant.presentation.api import create_api
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.limits import RequestLimits
from assistant.presentation.service import PolicyService

ADMIN_TOKEN = "test-admin-token-1f3b9c"
HOTLINE_TOKEN = "test-hotline-token-77a2e0"
ACCESS = AccessPolicy(
    tokens=[
        ApiToken("admin", hash_token(ADMIN_TOKEN), frozenset(Scope)),
        ApiToken("hotline", hash_token(HOTLINE_TOKEN), frozenset({Scope.ASK, Scope.SEARCH})),
    ]
)


def api_client(
    service: PolicyService,
    feedback: FeedbackStore,
    token: str | None = ADMIN_TOKEN,
    access: AccessPolicy = ACCESS,
    limits: RequestLimits | None = None,
) -> TestClient:
    """A client of ``create_api`` at http://127.0.0.1, sending ``token`` as its bearer token (None: no token)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    api = create_api(service, feedback, access, limits=limits)
    return TestClient(api, base_url="http://127.0.0.1", headers=headers)
