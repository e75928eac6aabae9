"""The studio in a real headless Chromium (Selenium): sign-in, the role-gated pages, moderation
and publishing as the seeded accounts (docs/seed-accounts.md), screenshots and axe-core."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.functions.studio.conftest import PASSWORDS, Stack

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
TOKYO = "10000000-0000-4000-a000-000000000002"


def sign_in(browser: WebDriver, stack: Stack, who: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.studio}/login")
    browser.find_element(By.ID, "email").send_keys(f"{who}@rfl.test")
    browser.find_element(By.ID, "password").send_keys(PASSWORDS[who])
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.title_contains("Home"))


def press(browser: WebDriver, label: str) -> None:
    """Click the button and wait for the page it posts to (the old page goes stale)."""
    button = browser.find_element(By.XPATH, f"//button[normalize-space()='{label}']")
    button.click()
    WebDriverWait(browser, 10).until(lambda _browser: _gone(button))


def _gone(element: WebElement) -> bool:
    """Whether the element left the document. Chromium reports a node removed while it is
    asked about as stale, or (a race in chromedriver) as an inspector error naming it."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error.msg):
            return True
        raise
    return False


def nav_links(browser: WebDriver) -> list[str]:
    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav a")]


def refused(browser: WebDriver, stack: Stack, who: str, path: str, link: str, message: str) -> None:
    """`who` has no link to the page, and opening it anyway shows the refusal."""
    sign_in(browser, stack, who)
    assert link not in nav_links(browser)
    browser.get(f"{stack.studio}{path}")
    assert message in browser.find_element(By.CSS_SELECTOR, "main").text


def api_sign_in(stack: Stack, who: str) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.anon_key},
        json={"email": f"{who}@rfl.test", "password": PASSWORDS[who]},
    )
    response.raise_for_status()
    tokens: dict[str, Any] = response.json()
    return tokens


def test_admin_bans_a_user_and_their_next_request_fails(
    browser: WebDriver, studio_stack: Stack
) -> None:
    tokens = api_sign_in(studio_stack, "ana")
    headers = {"apikey": studio_stack.anon_key, "Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{studio_stack.url}/rest/v1/campaigns", headers=headers).status_code == 200

    sign_in(browser, studio_stack, "admin")
    assert "Users" in nav_links(browser)
    browser.get(f"{studio_stack.studio}/users?q=ana")
    press(browser, "Ban ana@rfl.test")
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located(
            (By.XPATH, "//button[normalize-space()='Unban ana@rfl.test']")
        )
    )

    after = httpx.get(f"{studio_stack.url}/rest/v1/campaigns", headers=headers)
    assert after.status_code in (401, 403), after.text
    refresh = httpx.post(
        f"{studio_stack.url}/auth/v1/token?grant_type=refresh_token",
        headers={"apikey": studio_stack.anon_key},
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert refresh.status_code >= 400

    press(browser, "Unban ana@rfl.test")
    api_sign_in(studio_stack, "ana")


def test_an_admin_grants_and_revokes_an_app_role(browser: WebDriver, studio_stack: Stack) -> None:
    def roles() -> list[str]:
        with psycopg.connect(studio_stack.dsn) as db:
            row = db.execute(
                "select app_private.user_app_roles(id) from auth.users where email = %s",
                ("olga@rfl.test",),
            ).fetchone()
        assert row is not None
        return sorted(row[0])

    sign_in(browser, studio_stack, "admin")
    browser.get(f"{studio_stack.studio}/users?q=olga")
    browser.find_element(By.CSS_SELECTOR, "input[name=roles][value=moderator]").click()
    press(browser, "Save roles of olga@rfl.test")
    assert roles() == ["moderator", "player"]
    browser.get(f"{studio_stack.studio}/users?q=olga")
    browser.find_element(By.CSS_SELECTOR, "input[name=roles][value=moderator]").click()
    press(browser, "Save roles of olga@rfl.test")
    assert roles() == ["player"]


def test_a_content_editor_cannot_see_the_users_page(
    browser: WebDriver, studio_stack: Stack
) -> None:
    sign_in(browser, studio_stack, "editor")
    assert "Users" not in nav_links(browser)
    assert "Content" in nav_links(browser)
    browser.get(f"{studio_stack.studio}/users")
    assert "Only admins may open this page." in browser.find_element(By.CSS_SELECTOR, "main").text
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    answer = httpx.get(f"{studio_stack.studio}/users", cookies=cookies)
    assert answer.status_code == 403
    assert "@rfl.test</td>" not in answer.text


def test_a_moderator_archives_a_campaign(browser: WebDriver, studio_stack: Stack) -> None:
    sign_in(browser, studio_stack, "moderator")
    browser.find_element(By.LINK_TEXT, "Campaigns").click()
    press(browser, "Archive Tokyo Night Market")
    WebDriverWait(browser, 10).until(
        expected_conditions.invisibility_of_element_located(
            (By.XPATH, "//button[normalize-space()='Archive Tokyo Night Market']")
        )
    )
    with psycopg.connect(studio_stack.dsn) as db:
        row = db.execute("select status from public.campaigns where id = %s", (TOKYO,)).fetchone()
    assert row == ("archived",)


def test_an_editor_publishes_an_item_and_players_see_it(
    browser: WebDriver, studio_stack: Stack
) -> None:
    anon = {"apikey": studio_stack.anon_key}
    query = {"name": "eq.Amulet of Idioms", "select": "name"}
    before = httpx.get(f"{studio_stack.url}/rest/v1/items", headers=anon, params=query)
    assert before.json() == []

    sign_in(browser, studio_stack, "editor")
    browser.find_element(By.LINK_TEXT, "Content").click()
    press(browser, "Publish Amulet of Idioms")
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located(
            (By.XPATH, "//button[normalize-space()='Unpublish Amulet of Idioms']")
        )
    )
    after = httpx.get(f"{studio_stack.url}/rest/v1/items", headers=anon, params=query)
    assert after.json() == [{"name": "Amulet of Idioms"}]


def test_an_editor_publishes_a_content_pack(browser: WebDriver, studio_stack: Stack) -> None:
    with psycopg.connect(studio_stack.dsn) as db:
        row = db.execute("select slug from public.content_packs order by slug limit 1").fetchone()
    assert row is not None, "the sample content (seed step) loads packs"
    slug = str(row[0])
    sign_in(browser, studio_stack, "editor")
    browser.find_element(By.LINK_TEXT, "Content").click()
    press(browser, f"Publish {slug}")
    WebDriverWait(browser, 10).until(expected_conditions.title_contains("Content"))
    versions = httpx.get(
        f"{studio_stack.url}/rest/v1/content_pack_versions",
        headers={"apikey": studio_stack.anon_key},
        params={"select": "version,content_packs!inner(slug)", "content_packs.slug": f"eq.{slug}"},
    ).json()
    assert versions, "anon reads the published version"


def test_a_moderator_reads_the_audit_log_and_an_editor_may_not(
    browser: WebDriver, studio_stack: Stack
) -> None:
    sign_in(browser, studio_stack, "moderator")
    browser.find_element(By.LINK_TEXT, "Audit log").click()
    browser.find_element(By.ID, "table").send_keys("campaigns")
    press(browser, "Show")
    assert "public.campaigns" in browser.find_element(By.CSS_SELECTOR, "tbody").text
    refused(
        browser, studio_stack, "editor", "/audit", "Audit log", "audit.read permission required"
    )


def test_the_system_page_degrades_gracefully(browser: WebDriver, studio_stack: Stack) -> None:
    sign_in(browser, studio_stack, "admin")
    browser.find_element(By.LINK_TEXT, "System").click()
    text = browser.find_element(By.CSS_SELECTOR, "main").text
    assert "migrations" in text and "applied" in text
    assert "Unavailable: the local Prometheus is not running" in text
    refused(
        browser, studio_stack, "moderator", "/system", "System", "Only admins may open this page."
    )


def test_the_table_editor_inserts_and_deletes_after_confirmation(
    browser: WebDriver, studio_stack: Stack
) -> None:
    sign_in(browser, studio_stack, "editor")
    browser.get(f"{studio_stack.studio}/tables/items")
    browser.find_element(By.LINK_TEXT, "Insert a row").click()
    for column, value in (("name", "Studio Lantern"), ("kind", "tool"), ("rarity", "common")):
        browser.find_element(By.ID, f"col_{column}").send_keys(value)
    press(browser, "Insert")
    browser.get(f"{studio_stack.studio}/tables/items?column=name&op=eq&value=Studio Lantern")
    browser.find_element(By.LINK_TEXT, "Edit").click()
    press(browser, "Delete")
    assert "Tick the confirmation box" in browser.find_element(By.CSS_SELECTOR, "main").text
    browser.back()
    browser.find_element(By.NAME, "confirm").click()
    press(browser, "Delete")
    with psycopg.connect(studio_stack.dsn) as db:
        row = db.execute(
            "select count(*) from public.items where name = 'Studio Lantern'"
        ).fetchone()
    assert row == (0,)


def test_the_table_editor_edits_a_row_as_the_user(browser: WebDriver, studio_stack: Stack) -> None:
    sign_in(browser, studio_stack, "kenji")
    browser.get(f"{studio_stack.studio}/tables/campaigns?column=id&op=eq&value={TOKYO}")
    assert "Tokyo Night Market" in browser.find_element(By.CSS_SELECTOR, "table").text
    browser.find_element(By.LINK_TEXT, "Edit").click()
    field = browser.find_element(By.ID, "col_description")
    field.clear()
    field.send_keys("Edited in the studio.")
    press(browser, "Save")
    # Archived by the moderator's test when it ran first: RLS refuses the gm, in plain words.
    with psycopg.connect(studio_stack.dsn) as db:
        row = db.execute(
            "select status, description from public.campaigns where id = %s", (TOKYO,)
        ).fetchone()
    assert row is not None
    if row[0] == "archived":
        assert browser.title.startswith("Refused")
    else:
        assert row[1] == "Edited in the studio."


def test_the_table_editor_offers_foreign_keys_as_pickers(
    browser: WebDriver, studio_stack: Stack
) -> None:
    """A foreign key the OpenAPI document notes is a select of the target's rows, labelled by
    a name-like column; editing a row preselects its value."""
    with psycopg.connect(studio_stack.dsn) as db:
        packs = db.execute(
            "select id::text, slug from public.content_packs order by slug"
        ).fetchall()
        deck = db.execute("select id::text, pack_id::text from public.decks limit 1").fetchone()
    assert packs and deck is not None, "the sample content (seed step) loads packs and decks"
    sign_in(browser, studio_stack, "editor")
    browser.get(f"{studio_stack.studio}/tables/decks/new")
    picker = Select(browser.find_element(By.ID, "col_pack_id"))
    offered = [(o.get_attribute("value"), o.text) for o in picker.options[1:]]
    assert offered == [(key, f"{slug} ({key})") for key, slug in packs]
    browser.get(f"{studio_stack.studio}/tables/decks/row?id={deck[0]}")
    chosen = Select(browser.find_element(By.ID, "col_pack_id")).first_selected_option
    assert chosen.get_attribute("value") == deck[1]


PAGES = (
    "",
    "/tables",
    "/tables/campaigns",
    "/users",
    "/campaigns",
    "/content",
    "/audit",
    "/system",
)


def test_screenshots_and_accessibility(
    browser: WebDriver, studio_stack: Stack, artifacts: Path
) -> None:
    axe = AXE.read_text()
    browser.delete_all_cookies()
    browser.get(f"{studio_stack.studio}/login")
    problems = {"login": check_page(browser, axe, artifacts, "login")}
    sign_in(browser, studio_stack, "admin")
    for path in PAGES:
        browser.get(f"{studio_stack.studio}{path}")
        name = path.strip("/").replace("/", "-") or "home"
        problems[name] = check_page(browser, axe, artifacts, name)
    (artifacts / "axe.json").write_text(json.dumps(problems, indent=2))
    serious = {page: found for page, found in problems.items() if found}
    assert serious == {}


def check_page(browser: WebDriver, axe: str, artifacts: Path, name: str) -> list[str]:
    """Screenshot the page, then run axe-core in it; the serious and critical violations."""
    browser.save_screenshot(str(artifacts / f"{name}.png"))
    browser.execute_script(axe)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))));"
    )
    return [f"{v['id']} ({v['nodes']})" for v in result if v["impact"] in ("serious", "critical")]


def test_pages_are_served_with_a_strict_csp(studio_stack: Stack) -> None:
    answer = httpx.get(f"{studio_stack.studio}/login")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "<script" not in answer.text
