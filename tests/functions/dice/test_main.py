"""The dice app as a whole: its OpenAPI document and unknown routes."""

from __future__ import annotations

import httpx

ROUTES = {
    ("/rolls", "post"),
    ("/odds", "get"),
    ("/odds/check", "post"),
    ("/campaigns/{campaign_id}/seed", "get"),
    ("/campaigns/{campaign_id}/seed/rotate", "post"),
    ("/campaigns/{campaign_id}/seeds", "get"),
    ("/verify", "post"),
    ("/learning/challenges", "post"),
    ("/learning/challenges/{challenge_id}/answers", "post"),
    ("/learning/challenges/{challenge_id}/grades", "post"),
    ("/learning/reviews", "post"),
    ("/learning/odds", "post"),
    ("/learning/parameters", "post"),
}


def test_openapi_documents_every_route(client: httpx.Client) -> None:
    """Each route has a summary and a description; models carry descriptions."""
    document = client.get("/openapi.json").json()
    operations = {
        (path, method): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == ROUTES
    assert all(op.get("summary") and op.get("description") for op in operations.values())
    assert document["components"]["schemas"]["RollCreate"]["description"]


def test_unknown_route_answers_in_the_error_shape(client: httpx.Client) -> None:
    """404s use the same {code, message, details, hint} body as every other error."""
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "details", "hint"}
