"""The studio's database-backed moderation and content actions in a headless browser: a moderator
removes a campaign member (audited), an admin verifies the audit chain (a moderator may not), the
content page shows the search index status, an editor unpublishes a pack once the confirmation
box is ticked (audited, enqueued for search) and publishes it again."""

from __future__ import annotations

import httpx
import psycopg
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.functions.studio.conftest import Stack
from tests.functions.studio.test_browser import TOKYO, press, sign_in


def test_a_moderator_removes_a_member_and_it_is_audited(
    browser: WebDriver, studio_stack: Stack
) -> None:
    with psycopg.connect(studio_stack.dsn) as db:
        row = db.execute(
            "select user_id::text from public.campaign_members"
            " where campaign_id = %s and role <> 'gm' order by user_id limit 1",
            (TOKYO,),
        ).fetchone()
    assert row is not None, "the seed puts players in the Tokyo campaign"
    member = str(row[0])
    sign_in(browser, studio_stack, "moderator")
    browser.find_element(By.LINK_TEXT, "Campaigns").click()
    press(browser, f"Remove {member} from Tokyo Night Market")
    assert member not in browser.find_element(By.CSS_SELECTOR, "main").text
    with psycopg.connect(studio_stack.dsn) as db:
        gone = db.execute(
            "select count(*) from public.campaign_members where campaign_id = %s and user_id = %s",
            (TOKYO, member),
        ).fetchone()
        audited = db.execute(
            "select a.email from audit.record_version as v join auth.users as a"
            " on a.id = v.actor_id where v.table_name = 'campaign_members' and v.op = 'DELETE'"
            " and v.record_pk ->> 'user_id' = %s",
            (member,),
        ).fetchall()
    assert gone == (0,)
    assert audited == [("moderator@rfl.test",)]


def test_an_admin_verifies_the_audit_chain_and_a_moderator_may_not(
    browser: WebDriver, studio_stack: Stack
) -> None:
    sign_in(browser, studio_stack, "admin")
    browser.find_element(By.LINK_TEXT, "Audit log").click()
    press(browser, "Verify the audit chain")
    assert "Chain intact" in browser.find_element(By.ID, "verdict").text
    sign_in(browser, studio_stack, "moderator")
    browser.find_element(By.LINK_TEXT, "Audit log").click()
    press(browser, "Verify the audit chain")
    main = browser.find_element(By.CSS_SELECTOR, "main").text
    assert "audit.verify permission required" in main


def test_the_content_page_shows_the_search_index_status(
    browser: WebDriver, studio_stack: Stack
) -> None:
    with psycopg.connect(studio_stack.dsn) as db:
        depth = db.execute("select count(*) from app_private.search_outbox").fetchone()
    assert depth is not None
    sign_in(browser, studio_stack, "editor")
    browser.find_element(By.LINK_TEXT, "Content").click()
    status = browser.find_element(By.ID, "search-index").text
    assert f"Outbox depth: {depth[0]};" in status
    assert "last indexed:" in status


def test_a_moderator_hides_a_roll_purpose(browser: WebDriver, studio_stack: Stack) -> None:
    with psycopg.connect(studio_stack.dsn) as db:
        db.execute("select set_config('app.roll_source', 'dice-service', true)")
        row = db.execute(
            "insert into public.dice_rolls (campaign_id, roller_id, expression, total, purpose,"
            " server_seed_hash, client_seed, nonce) select m.campaign_id, m.user_id, '1d20', 7,"
            " 'an insult', repeat('a', 64), 's', 1 from public.campaign_members as m"
            " join public.campaigns as c on c.id = m.campaign_id"
            " where c.visibility = 'public' and m.role = 'player' limit 1 returning id::text"
        ).fetchone()
    assert row is not None, "the seed has a player in a public campaign"
    roll = str(row[0])
    sign_in(browser, studio_stack, "moderator")
    browser.find_element(By.LINK_TEXT, "Campaigns").click()
    press(browser, f"Hide purpose of roll {roll}")
    anon = httpx.get(
        f"{studio_stack.url}/rest/v1/dice_rolls",
        headers={"apikey": studio_stack.anon_key},
        params={"id": f"eq.{roll}", "select": "purpose,total"},
    ).json()
    assert anon == [{"purpose": "[hidden by a moderator]", "total": 7}]
    with psycopg.connect(studio_stack.dsn) as db:
        audited = db.execute(
            "select a.email, v.record ->> 'purpose' from audit.record_version as v"
            " join auth.users as a on a.id = v.actor_id"
            " where v.table_name = 'hidden_roll_purposes' and v.record_pk ->> 'roll_id' = %s",
            (roll,),
        ).fetchall()
    assert audited == [("moderator@rfl.test", "an insult")]


def test_an_editor_unpublishes_a_pack_after_confirmation_and_publishes_it_again(
    browser: WebDriver, studio_stack: Stack
) -> None:
    with psycopg.connect(studio_stack.dsn) as db:
        row = db.execute(
            "select p.slug, array_agg(d.id::text order by d.id) from public.content_packs as p"
            " join public.decks as d on d.pack_id = p.id where d.published_at is not null"
            " group by p.slug order by p.slug limit 1"
        ).fetchone()
    assert row is not None, "the sample content (seed step) has a pack with published decks"
    slug, decks = str(row[0]), sorted(row[1])

    def anon_decks() -> list[str]:
        found = httpx.get(
            f"{studio_stack.url}/rest/v1/decks",
            headers={"apikey": studio_stack.anon_key},
            params={"select": "id,content_packs!inner(slug)", "content_packs.slug": f"eq.{slug}"},
        ).json()
        return sorted(d["id"] for d in found)

    assert anon_decks() == decks
    sign_in(browser, studio_stack, "editor")
    browser.find_element(By.LINK_TEXT, "Content").click()
    press(browser, f"Unpublish {slug}")
    assert "Tick the confirmation box" in browser.find_element(By.CSS_SELECTOR, "main").text
    assert anon_decks() == decks
    browser.back()
    button = f"//button[normalize-space()='Unpublish {slug}']"
    browser.find_element(By.XPATH, f"{button}/ancestor::form//input[@name='confirm']").click()
    press(browser, f"Unpublish {slug}")
    assert anon_decks() == []
    with psycopg.connect(studio_stack.dsn) as db:
        audited = db.execute(
            "select a.email, v.record ->> 'deck_id' from audit.record_version as v"
            " join auth.users as a on a.id = v.actor_id"
            " where v.table_name = 'unpublished_pack_decks' and v.op = 'INSERT'"
            " order by v.record ->> 'deck_id'"
        ).fetchall()
        enqueued = db.execute(
            "select distinct entity_id::text from app_private.search_outbox"
            " where kind = 'deck' and entity_id::text = any(%s) order by 1",
            (decks,),
        ).fetchall()
    assert audited == [("editor@rfl.test", deck) for deck in decks]
    assert [e[0] for e in enqueued] == decks, "search drops them through the outbox"

    press(browser, f"Publish {slug}")
    assert anon_decks() == decks
