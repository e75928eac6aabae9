"""The studio's database-backed moderation actions in headless Chromium: a moderator removes a
campaign member (audited), an admin verifies the audit chain (a moderator may not), and the
content page shows the search index status."""

from __future__ import annotations

import psycopg
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.functions.studio.conftest import Stack
from tests.functions.studio.test_browser import TOKYO, press, sign_in


def test_a_moderator_removes_a_member_and_it_is_audited(
    browser: webdriver.Chrome, studio_stack: Stack
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
    browser: webdriver.Chrome, studio_stack: Stack
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
    browser: webdriver.Chrome, studio_stack: Stack
) -> None:
    with psycopg.connect(studio_stack.dsn) as db:
        depth = db.execute("select count(*) from app_private.search_outbox").fetchone()
    assert depth is not None
    sign_in(browser, studio_stack, "editor")
    browser.find_element(By.LINK_TEXT, "Content").click()
    status = browser.find_element(By.ID, "search-index").text
    assert f"Outbox depth: {depth[0]};" in status
    assert "last indexed:" in status
