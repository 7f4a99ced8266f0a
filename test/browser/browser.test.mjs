// Real-browser end-to-end tests: headless Chromium loads the test page from a
// running pushstream, and web/pushstream.js subscribes and publishes in every
// mode, across server-side closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  repoRoot, startServer, launchBrowser, openTestPage, publish, deleteChannel, startClient,
  waitUntil, subscribers,
} from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await openTestPage(browser, server);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// Fast reconnection for most tests; tests of the replay gap use a longer one.
const base = { reconnectDelay: 200, maxReconnectDelay: 1000 };
let seq = 0;
const channel = (name) => `${name}_${process.pid}_${++seq}`;
const waitSubscribed = (ch, n = 1) => waitUntil(async () => (await subscribers(server, ch)) >= n, 10000,
  `${n} subscriber(s) on ${ch}`);

test('the server serves the client and the test page from web/', async () => {
  for (const [route, file, type] of [
    ['/pushstream.js', 'pushstream.js', /^(text|application)\/javascript/],
    ['/pushstream-test.html', 'test.html', /^text\/html/],
  ]) {
    const res = await fetch(`${server.base}${route}`);
    assert.equal(res.status, 200, route);
    assert.match(res.headers.get('content-type') || '', type, `${route} Content-Type`);
    const want = readFileSync(path.join(repoRoot, 'web', file));
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(want), `${route} body differs from web/${file}`);
  }
});

for (const mode of ['eventsource', 'websocket', 'longpolling']) {
  test(`${mode} subscriber receives published messages`, async () => {
    const ch = channel(mode);
    const c = await startClient(page, `recv-${mode}`, { ...base, modes: [mode], channels: [ch] });
    await c.waitFor((r) => r.state === 'open');
    await waitSubscribed(ch);
    const texts = ['plain text', encodeURIComponent('ünïcode "quoted" 100% {braces}')];
    for (const t of texts) await publish(server, ch, t);
    await c.waitFor((r) => r.messages.length >= 2);
    const st = await c.state();
    await c.stop();
    assert.deepEqual(st.messages.map((m) => m.text), ['plain text', 'ünïcode "quoted" 100% {braces}']);
    assert.deepEqual(st.messages.map((m) => [m.id, m.channel, m.mode]), [[1, ch, mode], [2, ch, mode]]);
    for (const m of st.messages) assert.match(m.time, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.deepEqual(st.errors, []);
  });
}

test('a message sent over the WebSocket reaches the other subscribers and the sender', async () => {
  const [ch1, ch2] = [channel('wssend'), channel('wssend')];
  const sender = await startClient(page, 'ws-sender', { ...base, modes: ['websocket'], channels: [ch1, ch2] });
  const other = await startClient(page, 'ws-other', { ...base, modes: ['eventsource'], channels: [ch2] });
  await sender.waitFor((r) => r.state === 'open');
  await other.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch2, 2);
  await sender.send('from the "browser" & back');
  await other.waitFor((r) => r.messages.length >= 1);
  await sender.waitFor((r) => r.messages.length >= 2);
  const [s, o] = [await sender.state(), await other.state()];
  await sender.stop();
  await other.stop();
  // Published to every channel of the connection, in path order.
  assert.deepEqual(s.messages.map((m) => [m.channel, m.text]),
    [[ch1, 'from the "browser" & back'], [ch2, 'from the "browser" & back']]);
  assert.deepEqual(o.messages.map((m) => [m.channel, m.text]), [[ch2, 'from the "browser" & back']]);
  // The server stored it like any published message.
  const info = await (await fetch(`${server.base}/pub?id=${ch2}`, { headers: { Accept: 'application/json' } })).json();
  assert.equal(info.stored_messages, 1);
});

test('send() without a WebSocket publishes with POST /pub to every channel', async () => {
  const [ch1, ch2] = [channel('postsend'), channel('postsend')];
  const lp = await startClient(page, 'lp-sender', { ...base, modes: ['longpolling'], channels: [ch1, ch2] });
  const ws = await startClient(page, 'ws-receiver', { ...base, modes: ['websocket'], channels: [ch2] });
  await lp.waitFor((r) => r.state === 'open');
  await ws.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch1);
  await waitSubscribed(ch2, 2);
  await lp.send('posted by a long-polling client');
  await ws.waitFor((r) => r.messages.length >= 1);
  await lp.waitFor((r) => r.messages.length >= 2);
  const [l, w] = [await lp.state(), await ws.state()];
  await lp.stop();
  await ws.stop();
  assert.deepEqual(w.messages.map((m) => [m.channel, m.text]), [[ch2, 'posted by a long-polling client']]);
  assert.deepEqual(l.messages.map((m) => [m.channel, m.text]),
    [[ch1, 'posted by a long-polling client'], [ch2, 'posted by a long-polling client']]);
});

test('backtrack replays stored messages on the first connection', async () => {
  const ch = channel('backtrack');
  for (const t of ['m1', 'm2', 'm3']) await publish(server, ch, t);
  const c = await startClient(page, 'backtrack', { ...base, modes: ['websocket'], channels: [{ name: ch, backtrack: 2 }] });
  await c.waitFor((r) => r.messages.length >= 2);
  assert.deepEqual(await c.texts(), ['m2', 'm3']);
  await c.stop();
});

// A server-side close: the client reconnects after reconnectDelay, and the
// messages published in between come back by replay, each exactly once.
for (const [mode, prefixes] of [
  ['websocket', { ws: '/ttl/ws' }],
  ['eventsource', { ev: '/ttl/ev' }],
]) {
  test(`${mode} reconnects after the connection ttl and replays what it missed`, async () => {
    const ch = channel(`ttl_${mode}`);
    const c = await startClient(page, `ttl-${mode}`, {
      modes: [mode], prefixes, channels: [ch], reconnectDelay: 1500, maxReconnectDelay: 3000,
    });
    await c.waitFor((r) => r.state === 'open');
    await waitSubscribed(ch);
    await publish(server, ch, 'before');
    await c.waitFor((r) => r.messages.length >= 1);
    // The 2 s ttl ends the connection; publish while the client waits to reconnect.
    await c.waitFor((r) => r.state === 'connecting', 5000);
    await publish(server, ch, 'meanwhile 1');
    await publish(server, ch, 'meanwhile 2');
    await c.waitFor((r) => r.messages.length >= 3, 10000);
    await publish(server, ch, 'after');
    await c.waitFor((r) => r.messages.length >= 4, 10000);
    const st = await c.state();
    await c.stop();
    assert.deepEqual(st.messages.map((m) => m.text), ['before', 'meanwhile 1', 'meanwhile 2', 'after']);
    assert.deepEqual(st.states.map((s) => s.state).slice(0, 4), ['connecting', 'open', 'connecting', 'open']);
    assert.deepEqual(st.errors, []);
  });
}

test('eventsource resumes with the browser Last-Event-Id when messages have no time', async () => {
  const ch = channel('lastevent');
  const c = await startClient(page, 'last-event-id', {
    modes: ['eventsource'], prefixes: { ev: '/leid/ev' }, channels: [ch], reconnectDelay: 1500,
  });
  await c.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch);
  await publish(server, ch, 'first', { 'Event-Id': 'ev-1' });
  await c.waitFor((r) => r.messages.length >= 1);
  // The ttl ends the stream; the browser retries by itself (about 3 s) with Last-Event-Id: ev-1.
  await c.waitFor((r) => r.state === 'connecting', 5000);
  await publish(server, ch, 'second', { 'Event-Id': 'ev-2' });
  await publish(server, ch, 'third', { 'Event-Id': 'ev-3' });
  await c.waitFor((r) => r.messages.length >= 3, 10000);
  const st = await c.state();
  await c.stop();
  assert.deepEqual(st.messages.map((m) => [m.text, m.eventid]), [['first', 'ev-1'], ['second', 'ev-2'], ['third', 'ev-3']]);
});

test('websocket reports a deleted channel, reconnects and gets what was published meanwhile', async () => {
  const ch = channel('deleted');
  const c = await startClient(page, 'deleted', { modes: ['websocket'], channels: [ch], reconnectDelay: 1500 });
  await c.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch);
  await publish(server, ch, 'old');
  await c.waitFor((r) => r.messages.length >= 1);
  await deleteChannel(server, ch);
  await c.waitFor((r) => r.deleted.length >= 1 && r.state === 'connecting');
  await publish(server, ch, 'new channel, first message');
  await c.waitFor((r) => r.messages.length >= 2, 10000);
  const st = await c.state();
  await c.stop();
  assert.deepEqual(st.deleted, [ch]);
  assert.deepEqual(st.messages.map((m) => [m.id, m.text]), [[1, 'old'], [1, 'new channel, first message']]);
});

test('long-polling chains requests without losing or repeating messages', async () => {
  const ch = channel('lpchain');
  const c = await startClient(page, 'lp-chain', { ...base, modes: ['longpolling'], channels: [ch] });
  await c.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch);
  // A burst: all but the first are published while no request is waiting.
  const want = Array.from({ length: 10 }, (_, i) => `burst ${i}`);
  for (const t of want) await publish(server, ch, t);
  await c.waitFor((r) => r.messages.length >= 10);
  const st = await c.state();
  await c.stop();
  assert.deepEqual(st.messages.map((m) => m.text), want);
});

test('fallback: websocket and eventsource unavailable, long-polling is used', async () => {
  const ch = channel('fallback');
  // Locations that do not exist make the first two modes fail to open.
  const c = await startClient(page, 'fallback', {
    ...base, channels: [ch], prefixes: { ws: '/missing-ws', ev: '/missing-ev' },
  });
  await c.waitFor((r) => r.state === 'open' && r.mode === 'longpolling');
  await waitSubscribed(ch);
  await publish(server, ch, 'via long-polling');
  await c.waitFor((r) => r.messages.length >= 1);
  const st = await c.state();
  await c.stop();
  assert.deepEqual(st.messages.map((m) => [m.mode, m.text]), [['longpolling', 'via long-polling']]);
  assert.deepEqual(st.errors.map((e) => [e.mode, e.type]), [['websocket', 'connect'], ['eventsource', 'connect']]);
});

test('fallback: modes limited to long-polling in the options', async () => {
  const ch = channel('lponly');
  const c = await startClient(page, 'lp-only', { ...base, channels: [ch], modes: ['longpolling'] });
  await c.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch);
  await publish(server, ch, 'hello');
  await c.waitFor((r) => r.messages.length >= 1);
  const st = await c.state();
  await c.stop();
  assert.deepEqual(st.states.map((s) => s.mode), ['longpolling', 'longpolling']);
  assert.deepEqual(st.messages.map((m) => m.text), ['hello']);
});

test('a first mode that fails falls back to eventsource', async () => {
  const ch = channel('tosse');
  const c = await startClient(page, 'to-sse', { ...base, channels: [ch], prefixes: { ws: '/missing-ws' } });
  await c.waitFor((r) => r.state === 'open' && r.mode === 'eventsource');
  await waitSubscribed(ch);
  await publish(server, ch, 'via eventsource');
  await c.waitFor((r) => r.messages.length >= 1);
  const st = await c.state();
  await c.stop();
  assert.deepEqual(st.messages.map((m) => [m.mode, m.text]), [['eventsource', 'via eventsource']]);
});

test('a refused subscription is reported with the server status and explanation', async () => {
  const ch = channel('refused');
  const explain = 'Subscriber could not create channels.';
  for (const [mode, prefixes, want] of [
    ['websocket', { ws: '/auth/ws' }, { mode: 'websocket', type: 'refused', status: 403, explain }],
    ['longpolling', { lp: '/auth/lp' }, { mode: 'longpolling', type: 'http', status: 403, explain }],
  ]) {
    const c = await startClient(page, `refused-${mode}`, { modes: [mode], prefixes, channels: [ch], reconnectDelay: 5000 });
    await c.waitFor((r) => r.errors.length >= 1);
    const st = await c.state();
    await c.stop();
    const { message, ...got } = st.errors[0];
    assert.deepEqual(got, want);
    assert.deepEqual(st.messages, []);
  }
});

test('cross-origin: a page from 127.0.0.1 talks to the server as localhost (CORS)', async () => {
  const ch = channel('cors');
  const where = { host: 'localhost', port: server.port };
  const lp = await startClient(page, 'cors-lp', { ...base, ...where, modes: ['longpolling'], channels: [ch] });
  const ev = await startClient(page, 'cors-ev', { ...base, ...where, modes: ['eventsource'], channels: [ch] });
  await lp.waitFor((r) => r.state === 'open');
  await ev.waitFor((r) => r.state === 'open');
  await waitSubscribed(ch, 2);
  // Published by the page itself: a cross-origin POST.
  await lp.send('one');
  await lp.waitFor((r) => r.messages.length >= 1);
  await publish(server, ch, 'two');
  await publish(server, ch, 'three');
  await lp.waitFor((r) => r.messages.length >= 3);
  await ev.waitFor((r) => r.messages.length >= 3);
  const [l, e] = [await lp.state(), await ev.state()];
  await lp.stop();
  await ev.stop();
  assert.deepEqual(l.messages.map((m) => m.text), ['one', 'two', 'three']);
  assert.deepEqual(e.messages.map((m) => m.text), ['one', 'two', 'three']);
  assert.deepEqual([...l.errors, ...e.errors], []);
});
