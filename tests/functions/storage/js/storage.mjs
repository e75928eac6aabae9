// The storage scenario of issue 16 through @supabase/supabase-js (storage-js) under Node:
// a player uploads a portrait, a game master shares a map through a signed URL, downloads,
// lists, removes, and image transformations. Prints one JSON object of results.
import { createClient } from "@supabase/supabase-js";
import WebSocket from "ws";

const url = process.argv[2];
const env = process.env;
const anon = env.ANON_KEY;
const as = (token) =>
  createClient(url, anon, {
    accessToken: async () => token,
    auth: { persistSession: false },
    realtime: { transport: WebSocket }, // Node 20 has no WebSocket of its own
  });
const player = as(env.PLAYER_TOKEN);
const gm = as(env.GM_TOKEN);
const other = as(env.OTHER_TOKEN);
const image = Buffer.from(env.IMAGE_B64, "base64");
const b64 = async (blob) => Buffer.from(await blob.arrayBuffer()).toString("base64");
const error = (e) =>
  e ? { name: e.name, message: e.message, status: e.status ?? null, statusCode: e.statusCode ?? null } : null;
const out = {};

// A player's portrait in their own avatar folder; the public URL needs no token.
const portrait = `${env.PLAYER_ID}/portrait.png`;
const up = await player.storage.from("avatars").upload(portrait, image, { contentType: "image/png" });
out.portraitUpload = { path: up.data?.path ?? null, error: error(up.error) };
const publicUrl = player.storage.from("avatars").getPublicUrl(portrait).data.publicUrl;
const publicGet = await fetch(publicUrl);
out.portraitPublic = { status: publicGet.status, b64: Buffer.from(await publicGet.arrayBuffer()).toString("base64") };
const dup = await player.storage.from("avatars").upload(portrait, image, { contentType: "image/png" });
out.portraitDuplicate = error(dup.error);
const foreign = await other.storage
  .from("avatars")
  .upload(`${env.PLAYER_ID}/intruder.png`, image, { contentType: "image/png" });
out.foreignUpload = error(foreign.error);

// The gm's map, shared through a signed URL that anybody holding it may fetch.
const map = `${env.CAMPAIGN}/dungeon.png`;
const maps = gm.storage.from("campaign-maps");
out.mapUpload = error((await maps.upload(map, image, { contentType: "image/png", upsert: true })).error);
const signed = await maps.createSignedUrl(map, 60);
const signedGet = await fetch(signed.data.signedUrl);
out.signedMap = { status: signedGet.status, b64: Buffer.from(await signedGet.arrayBuffer()).toString("base64") };
const tampered = await fetch(signed.data.signedUrl.replace("dungeon.png", "other.png"));
out.tamperedStatus = tampered.status;
const batch = await maps.createSignedUrls([map, `${env.CAMPAIGN}/missing.png`], 60);
out.batch = batch.data.map((item) => ({ path: item.path, signed: item.signedUrl !== null, error: item.error }));
const downloadLink = await maps.createSignedUrl(map, 60, { download: "map.png" });
const downloaded = await fetch(downloadLink.data.signedUrl);
out.downloadDisposition = downloaded.headers.get("content-disposition");

// Downloads as the caller: the campaign's player may, another campaign's may not.
const byPlayer = await player.storage.from("campaign-maps").download(map);
out.playerDownload = { b64: byPlayer.data ? await b64(byPlayer.data) : null, error: error(byPlayer.error) };
const byOther = await other.storage.from("campaign-maps").download(map);
out.otherDownload = { data: byOther.data !== null, error: error(byOther.error) };
out.exists = (await maps.exists(map)).data;
const info = await maps.info(map);
out.info = { size: info.data?.size ?? null, contentType: info.data?.contentType ?? null, error: error(info.error) };

// Listing (v1 and v2) and removal.
await maps.upload(`${env.CAMPAIGN}/floors/one.png`, image, { contentType: "image/png", upsert: true });
const listed = await maps.list(env.CAMPAIGN, { sortBy: { column: "name", order: "asc" } });
out.list = listed.data.map((item) => ({ name: item.name, folder: item.id === null }));
const listedV2 = await maps.listV2({ prefix: `${env.CAMPAIGN}/`, with_delimiter: true });
out.listV2 = {
  folders: listedV2.data.folders.map((f) => f.name),
  objects: listedV2.data.objects.map((o) => o.name),
  hasNext: listedV2.data.hasNext,
};
const removed = await maps.remove([`${env.CAMPAIGN}/floors/one.png`]);
out.removed = removed.data.map((item) => item.name);
out.afterRemove = error((await maps.download(`${env.CAMPAIGN}/floors/one.png`)).error);

// Image transformations: download with a transform, a signed URL with one, a public URL with one.
const thumb = await maps.download(map, { transform: { width: 16, height: 16, resize: "cover", format: "origin" } });
out.thumb = thumb.data ? await b64(thumb.data) : error(thumb.error);
const signedThumb = await maps.createSignedUrl(map, 60, { transform: { width: 20, height: 10, resize: "fill" } });
const signedThumbGet = await fetch(signedThumb.data.signedUrl, { headers: { accept: "image/png" } });
out.signedThumb = { status: signedThumbGet.status, b64: Buffer.from(await signedThumbGet.arrayBuffer()).toString("base64") };
const publicThumb = player.storage.from("avatars").getPublicUrl(portrait, { transform: { width: 8, height: 8 } });
const publicThumbGet = await fetch(publicThumb.data.publicUrl, { headers: { accept: "image/png" } });
out.publicThumb = { status: publicThumbGet.status, b64: Buffer.from(await publicThumbGet.arrayBuffer()).toString("base64") };

// The gm removes the map; the signed URL stops working.
out.mapRemoved = (await maps.remove([map])).data.map((item) => item.name);
out.signedAfterRemove = (await fetch(signed.data.signedUrl)).status;

console.log(JSON.stringify(out));
