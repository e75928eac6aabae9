"""`rfl docs build`: one static API documentation site, served by the gateway at /docs.

The site is generated from what the stack itself serves, never written by hand:
- REST: the OpenAPI (Swagger 2.0) document the REST server answers at `GET /rest/v1/`, once per
  role (anon, authenticated, service_role), each showing what that role may use;
- every function and service of supabase/config.toml that is a FastAPI app: its own OpenAPI;
- auth and storage: their routes, described by native_platform/docs_descriptions.py;
- realtime: an AsyncAPI 2.6 document of the broadcast topics (who may join, which events) and
  of the postgres_changes tables of the `supabase_realtime` publication.
Every page shows examples with the official clients (supabase-py and supabase-js). `problems()`
lists every exposed table, column, function or route without a description.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson
import psycopg
from jinja2 import Environment, select_autoescape
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from native_platform import auth, rest
from native_platform.docs_descriptions import AUTH_ROUTES, CHANNELS, STORAGE_ROUTES
from native_platform.project_config import ProjectConfig, load_entrypoint, load_project_config
from native_platform.settings import StackSettings

__all__ = ["DocsSite", "Site", "build_site", "collect_site", "problems", "site_dir"]

ROLES = ("anon", "authenticated", "service_role")
FUNCTIONS_PREFIX = "/functions/v1"
READY_ATTEMPTS = 50
Spec = dict[str, Any]


@dataclass
class Site:
    """Every document of the site, keyed by the file name it is written to (without .json)."""

    rest: dict[str, Spec] = field(default_factory=dict)
    apis: dict[str, Spec] = field(default_factory=dict)
    asyncapi: Spec = field(default_factory=dict)


def site_dir(settings: StackSettings) -> Path:
    """Where `rfl docs build` writes by default and the gateway serves /docs from."""
    return settings.state_dir / "docs-site"


def role_token(settings: StackSettings, role: str) -> str:
    if role == "anon":
        return settings.anon_key.get_secret_value()
    if role == "service_role":
        return settings.service_role_key.get_secret_value()
    now = int(time.time())
    claims = {"role": role, "aud": role, "sub": str(uuid.UUID(int=0)), "iat": now, "exp": now + 300}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def rest_specs(settings: StackSettings, dbname: str) -> dict[str, Spec]:
    """The REST server's own OpenAPI document, as each API role sees it."""
    return asyncio.run(fetch_rest_specs(settings, dbname))


async def fetch_rest_specs(settings: StackSettings, dbname: str) -> dict[str, Spec]:
    app = rest.create_app(rest.settings_for_stack(settings, dbname))
    specs = {}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://rest") as client,
    ):
        for role in ROLES:
            token = role_token(settings, role)
            headers = {"apikey": token, "Authorization": f"Bearer {token}"}
            specs[f"rest-{role}"] = await fetch_ready(client, headers)
    return specs


async def fetch_ready(client: httpx.AsyncClient, headers: dict[str, str]) -> Spec:
    """`GET /`, waiting while the server still loads its schema cache (503)."""
    for _ in range(READY_ATTEMPTS):
        response = await client.get("/", headers=headers)
        if response.status_code != 503:
            break
        await asyncio.sleep(0.2)
    response.raise_for_status()
    spec: Spec = response.json()
    return spec


def openapi_of(app: Any) -> Spec | None:
    """A FastAPI app's OpenAPI document (functions wrapped by the JWT check are unwrapped)."""
    while not hasattr(app, "openapi") and hasattr(app, "app"):
        app = app.app
    if not hasattr(app, "openapi"):
        return None
    with warnings.catch_warnings():
        # FastAPI warns about the duplicate operation ids of GET/HEAD pairs; harmless here.
        warnings.filterwarnings("ignore", message="Duplicate Operation ID")
        spec: Spec = app.openapi()
    return spec


def route_spec(title: str, prefix: str, routes: list[Route], described: dict[Any, str]) -> Spec:
    """An OpenAPI 3 document of Starlette routes, each described from `described`."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        for method in sorted((route.methods or set()) - {"HEAD"}):
            description = described.get((method, route.path), "")
            paths.setdefault(route.path, {})[method.lower()] = {"description": description}
    return {
        "openapi": "3.1.0",
        "info": {"title": title},
        "servers": [{"url": prefix}],
        "paths": paths,
    }


def with_descriptions(spec: Spec, described: dict[tuple[str, str], str]) -> Spec:
    """Operations without a docstring get their description from `described`."""
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if not operation.get("description"):
                operation["description"] = described.get((method.upper(), path), "")
    return spec


def api_specs(settings: StackSettings, config: ProjectConfig) -> dict[str, Spec]:
    specs: dict[str, Spec] = {}
    if config.auth.enabled:
        app = auth.create_app(auth.AuthSettings.from_stack(settings))
        routes = [route for route in app.routes if isinstance(route, Route)]
        specs["auth"] = route_spec("Auth (GoTrue-compatible)", "/auth/v1", routes, AUTH_ROUTES)
    mounted = {
        **{f"{FUNCTIONS_PREFIX}/{n}": b.entrypoint for n, b in config.enabled_functions().items()},
        **{block.path: block.entrypoint for block in config.enabled_services().values()},
    }
    for prefix, entrypoint in mounted.items():
        spec = openapi_of(load_entrypoint(prefix, entrypoint)())
        if spec is None:
            continue
        spec["servers"] = [{"url": prefix}]
        name = prefix.removeprefix(FUNCTIONS_PREFIX + "/").strip("/").replace("/v1", "")
        specs[name] = with_descriptions(spec, STORAGE_ROUTES) if name == "storage" else spec
    return specs


def realtime_spec(dsn: str) -> Spec:
    """AsyncAPI 2.6: broadcast topics with their join rules, then postgres_changes tables."""
    with psycopg.connect(dsn) as conn:
        policies: dict[str, str] = dict(
            conn.execute(
                "select policyname, cmd || ' to ' || array_to_string(roles, ', ')"
                " from pg_catalog.pg_policies"
                " where schemaname = 'realtime' and tablename = 'messages'"
            ).fetchall()
        )
        tables = conn.execute(
            "select p.schemaname || '.' || p.tablename,"
            " coalesce(obj_description((p.schemaname || '.' || p.tablename)::regclass), '')"
            " from pg_catalog.pg_publication_tables as p"
            " where p.pubname = 'supabase_realtime' order by 1"
        ).fetchall()
    channels: dict[str, Any] = {}
    for channel in CHANNELS:
        channels[channel.topic] = {
            "description": channel.description,
            "x-receive-policies": {name: policies.get(name, "") for name in channel.receive},
            "x-send-policies": {name: policies.get(name, "") for name in channel.send},
            "subscribe": {
                "message": {
                    "oneOf": [
                        {"name": event, "description": text}
                        for event, text in channel.events.items()
                    ]
                }
            },
        }
    for table, description in tables:
        channels[f"postgres_changes:{table}"] = {
            "description": description,
            "x-receive-policies": {"row level security": "the subscriber's SELECT policies"},
            "subscribe": {
                "message": {"name": "INSERT | UPDATE | DELETE", "description": description}
            },
        }
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Realtime (Supabase Realtime protocol)", "version": "1"},
        "servers": {"gateway": {"url": "/realtime/v1/websocket", "protocol": "wss"}},
        "channels": channels,
        "x-policies": policies,
    }


def collect_site(
    settings: StackSettings, dbname: str = "postgres", config: ProjectConfig | None = None
) -> Site:
    """Every document, from the stack's services and its database `dbname`."""
    project = config or load_project_config()
    dsn = settings.database_url.get_secret_value().rsplit("/", 1)[0] + f"/{dbname}"
    return Site(
        rest=rest_specs(settings, dbname),
        apis=api_specs(settings, project),
        asyncapi=realtime_spec(dsn),
    )


def rest_problems(name: str, spec: Spec) -> Iterator[str]:
    for table, definition in spec.get("definitions", {}).items():
        if not definition.get("description"):
            yield f"{name}: table {table} has no description"
        for column, prop in definition.get("properties", {}).items():
            text = prop.get("description", "")
            if not text or text.startswith("Note:"):
                yield f"{name}: column {table}.{column} has no description"
    for path, operations in spec.get("paths", {}).items():
        if path.startswith("/rpc/"):
            if not any(op.get("summary") or op.get("description") for op in operations.values()):
                yield f"{name}: function {path.removeprefix('/rpc/')} has no description"


def problems(site: Site) -> list[str]:
    """Every exposed table, column, function, route or channel without a description."""
    found = [problem for name, spec in site.rest.items() for problem in rest_problems(name, spec)]
    for name, spec in site.apis.items():
        for path, operations in spec.get("paths", {}).items():
            for method, operation in operations.items():
                if not operation.get("description"):
                    found.append(f"{name}: route {method.upper()} {path} has no description")
    for topic, channel in site.asyncapi.get("channels", {}).items():
        if not channel.get("description"):
            found.append(f"realtime: channel {topic} has no description")
    documented = {name for channel in CHANNELS for name in (*channel.receive, *channel.send)}
    for policy in sorted(set(site.asyncapi.get("x-policies", {})) - documented):
        found.append(f"realtime: policy {policy!r} on realtime.messages belongs to no channel")
    return found


def build_site(out: Path, site: Site) -> list[Path]:
    """Write every document as JSON and the pages rendering them; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    documents = {**site.rest, **site.apis, "asyncapi": site.asyncapi}
    written = []
    for name, spec in documents.items():
        path = out / f"{name}.json"
        path.write_bytes(orjson.dumps(spec, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        written.append(path)
    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)
    rpcs = {
        name: [
            (path.removeprefix("/rpc/"), (ops.get("post") or ops.get("get") or {}).get("summary"))
            for path, ops in spec.get("paths", {}).items()
            if path.startswith("/rpc/")
        ]
        for name, spec in site.rest.items()
    }
    index = env.from_string(PAGE).render(
        rest=site.rest,
        rpcs=rpcs,
        apis=site.apis,
        channels=site.asyncapi.get("channels", {}),
        roles=ROLES,
    )
    (out / "index.html").write_text(index)
    return [*written, out / "index.html"]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roll for Language API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}
code,pre{background:#f4f4f4;font-size:13px}pre{padding:.6rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
h2{border-bottom:2px solid #333;margin-top:2.5rem}.m{font-weight:bold;width:5rem}
</style></head><body>
<h1>Roll for Language API</h1>
<p>One base URL for every service (the gateway). Every request carries an API key
(<code>apikey</code> header: the anon or service_role key) and, once signed in, the user's
<code>Authorization: Bearer</code> token. Machine-readable documents: {% for name in rest %}
<a href="{{ name }}.json">{{ name }}</a>, {% endfor %}{% for name in apis %}
<a href="{{ name }}.json">{{ name }}</a>, {% endfor %}<a href="asyncapi.json">asyncapi</a>.</p>
<h3>Clients</h3>
<pre># Python (supabase-py)
from supabase import create_client
supabase = create_client(API_URL, ANON_KEY)
supabase.auth.sign_in_with_password({"email": "ana@rfl.test", "password": "…"})</pre>
<pre>// JavaScript (supabase-js)
import { createClient } from "@supabase/supabase-js";
const supabase = createClient(API_URL, ANON_KEY);
await supabase.auth.signInWithPassword({ email: "ana@rfl.test", password: "…" });</pre>

<h2 id="rest">REST (<code>/rest/v1</code>)</h2>
<p>PostgREST-compatible. What a role may use differs: {% for role in roles %}
<a href="#rest-{{ role }}">{{ role }}</a>{{ ", " if not loop.last }}{% endfor %}.
Row level security decides which rows each user sees.</p>
{% for name, spec in rest.items() %}
<h3 id="{{ name }}">As {{ name.removeprefix("rest-") }}</h3>
{% for table, definition in spec.get("definitions", {}).items() %}
<h4 id="{{ name }}-{{ table }}">{{ table }}</h4>
<p>{{ definition.get("description", "") }}</p>
<table><tr><th>column</th><th>type</th><th>description</th></tr>
{% for column, prop in definition.get("properties", {}).items() %}
<tr><td><code>{{ column }}</code></td><td>{{ prop.get("format", "") }}</td>
<td>{{ prop.get("description", "") }}</td></tr>
{% endfor %}</table>
<pre>rows = supabase.table("{{ table }}").select("*").limit(10).execute().data</pre>
<pre>const { data } = await supabase.from("{{ table }}").select("*").limit(10);</pre>
{% endfor %}
{% if rpcs[name] %}<h4>Functions (<code>POST /rpc/&lt;name&gt;</code>)</h4><table>
{% for function, summary in rpcs[name] %}
<tr><td><code>{{ function }}</code></td><td>{{ summary or "" }}</td></tr>
{% endfor %}</table>
<pre>supabase.rpc("name", {"arg": 1}).execute()</pre>
<pre>await supabase.rpc("name", { arg: 1 });</pre>{% endif %}
{% endfor %}

{% for name, spec in apis.items() %}
<h2 id="{{ name }}">{{ spec.get("info", {}).get("title", name) }}
(<code>{{ spec["servers"][0]["url"] }}</code>)</h2>
<table>
{% for path, operations in spec.get("paths", {}).items() %}
{% for method, op in operations.items() %}
<tr><td class="m">{{ method.upper() }}</td><td><code>{{ path }}</code></td>
<td>{{ op.get("summary", "") }}{{ ": " if op.get("summary") }}{{ op.get("description", "") }}
</td></tr>
{% endfor %}{% endfor %}</table>
{% if name == "auth" %}
<pre>session = supabase.auth.sign_up({"email": "new@rfl.test", "password": "…"})
user = supabase.auth.get_user()</pre>
<pre>await supabase.auth.signUp({ email: "new@rfl.test", password: "…" });
const { data: { user } } = await supabase.auth.getUser();</pre>
{% elif name == "storage" %}
<pre>supabase.storage.from_("avatars").upload("me/avatar.png", data, {"content-type": "image/png"})
url = supabase.storage.from_("avatars").create_signed_url("me/avatar.png", 60)</pre>
<pre>await supabase.storage.from("avatars").upload("me/avatar.png", file);
const { data } = await supabase.storage.from("avatars").createSignedUrl("me/avatar.png", 60);</pre>
{% else %}
<pre>supabase.functions.invoke("{{ name }}/…", invoke_options={"body": {...}})</pre>
<pre>await supabase.functions.invoke("{{ name }}/…", { body: {...} });</pre>
{% endif %}
{% endfor %}

<h2 id="realtime">Realtime (<code>/realtime/v1/websocket</code>)</h2>
<p>Supabase Realtime protocol. Private broadcast channels are joined with
<code>config.private = true</code>; the policies on <code>realtime.messages</code> decide who
may receive and send. <a href="asyncapi.json">AsyncAPI document</a>.</p>
<table><tr><th>topic</th><th>description</th><th>who may receive / send</th>
<th>events</th></tr>
{% for topic, channel in channels.items() %}
<tr><td><code>{{ topic }}</code></td><td>{{ channel.description }}</td>
<td>{% for name, rule in channel.get("x-receive-policies", {}).items() %}receive: {{ name }}
<br>{% endfor %}{% for name, rule in channel.get("x-send-policies", {}).items() %}send: {{ name }}
<br>{% endfor %}</td>
<td>{% set message = channel.subscribe.message %}{% for m in message.get("oneOf", [message]) %}
<code>{{ m.name }}</code>: {{ m.description }}<br>{% endfor %}</td></tr>
{% endfor %}</table>
<pre># realtime-py through supabase-py's async client
channel = client.channel("campaign:" + campaign_id, {"config": {"private": True}})
channel.on_broadcast("insert", lambda message: print(message["payload"]))
await channel.subscribe()</pre>
<pre>supabase.channel(`campaign:${campaignId}`, { config: { private: true } })
  .on("broadcast", { event: "insert" }, ({ payload }) => console.log(payload))
  .subscribe();</pre>
</body></html>
"""


class DocsSite:
    """The built site as an ASGI app (the gateway mounts it at /docs); 404 until it is built."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = StaticFiles(directory=directory, html=True, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not (self.directory / "index.html").exists():
            missing = PlainTextResponse("API docs not built: rfl docs build", status_code=404)
            await missing(scope, receive, send)
            return
        await self.files(scope, receive, send)
