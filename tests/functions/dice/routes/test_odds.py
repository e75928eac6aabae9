"""GET /odds and POST /odds/check: exact values over real HTTP."""

from __future__ import annotations

import httpx


def test_get_odds_gives_exact_statistics(client: httpx.Client) -> None:
    """2d6: mean 7, variance 35/6, P(total >= 8) = 15/36, eleven outcomes."""
    response = client.get("/odds", params={"expression": "2d6", "dc": 8, "distribution": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["minimum"], body["maximum"]) == (2, 12)
    assert body["mean"] == {"value": 7.0, "fraction": "7/1"}
    assert body["variance"]["fraction"] == "35/6"
    assert body["chance_at_least_dc"]["fraction"] == "5/12"
    assert [o["total"] for o in body["distribution"]] == list(range(2, 13))
    assert body["distribution"][5]["probability"]["fraction"] == "1/6"


def test_get_odds_of_keep_highest(client: httpx.Client) -> None:
    """4d6kh3 averages 15869/1296; no dc means no chance and no distribution."""
    body = client.get("/odds", params={"expression": "4d6kh3"}).json()
    assert body["mean"]["fraction"] == "15869/1296"
    assert body["expression"] == "4d6kh3"
    assert body["chance_at_least_dc"] is None and body["distribution"] is None


def test_get_odds_of_a_malformed_expression_reports_the_position(client: httpx.Client) -> None:
    """A syntax error is a 400 with the position; a missing expression is a 400 too."""
    response = client.get("/odds", params={"expression": "2d6 +"})
    assert response.status_code == 400
    assert response.json()["details"]["position"] == 5
    assert client.get("/odds").status_code == 400


def test_get_odds_past_the_work_limit_names_it(client: httpx.Client) -> None:
    """Expressions too costly to compute exactly are refused by name, not computed."""
    response = client.get("/odds", params={"expression": "1000d1000"})
    assert response.status_code == 400
    assert response.json()["details"]["limit"] == "max_odds_work"


def test_post_check_odds_with_advantage(client: httpx.Client) -> None:
    """DC 15 with +3 needs a natural 12+: 9/20 straight, 1 - (11/20)² = 279/400 with advantage."""
    straight = client.post("/odds/check", json={"dc": 15, "modifier": 3}).json()
    advantage = client.post(
        "/odds/check", json={"dc": 15, "modifier": 3, "advantage": "advantage"}
    ).json()
    assert straight["chance_to_pass"]["fraction"] == "9/20"
    assert advantage["chance_to_pass"]["fraction"] == "279/400"
    assert advantage["expression"] == "2d20kh1 + 3"
    assert sum(d["value"] for d in advantage["degrees"].values()) == 1.0


def test_post_check_odds_degrees_follow_natural_rolls(client: httpx.Client) -> None:
    """DC 10 with +0: a natural 20 is the only critical success (beats DC by 10 or nat 20)."""
    body = client.post("/odds/check", json={"dc": 10, "modifier": 0}).json()
    assert body["degrees"]["critical_success"]["fraction"] == "1/20"
    assert body["degrees"]["critical_failure"]["fraction"] == "1/20"
    assert body["chance_to_pass"]["fraction"] == "11/20"


def test_post_check_odds_with_a_bad_body_is_a_bad_request(client: httpx.Client) -> None:
    """Unknown advantage values are a 400 in the error shape."""
    response = client.post("/odds/check", json={"dc": 10, "advantage": "lucky"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
