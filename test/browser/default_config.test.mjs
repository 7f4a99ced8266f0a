// The client against the embedded default configuration, unchanged but for
// the listen address: every mode receives, and resumes after its channel is
// deleted (the server ends the subscription) with what was published meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, defaultConfig, launchBrowser, openTestPage, publish, deleteChannel, startClient,
  waitUntil, subscribers,
} from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer({ config: defaultConfig });
  browser = await launchBrowser();
  page = await openTestPage(browser, server);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('the README WebSocket example', async () => {
  const ch = `readme_${process.pid}`;
  const got = page.evaluate((url) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onmessage = (e) => { ws.close(); resolve(e.data); };
    ws.onerror = () => reject(new Error('websocket error'));
  }), `ws://127.0.0.1:${server.port}/ws/${ch}`);
  await waitUntil(async () => (await subscribers(server, ch)) === 1, 10000, 'the WebSocket subscriber');
  await publish(server, ch, 'Some Text');
  const data = JSON.parse(await got);
  assert.deepEqual([data.id, data.channel, data.text], [1, ch, 'Some Text']);
});

for (const mode of ['websocket', 'eventsource', 'longpolling']) {
  test(`${mode}: a deleted channel is reported and the client resumes on the new one`, async () => {
    const ch = `default_${mode}_${process.pid}`;
    const c = await startClient(page, `default-${mode}`, { modes: [mode], channels: [ch], reconnectDelay: 1500 });
    await c.waitFor((r) => r.state === 'open');
    await waitUntil(async () => (await subscribers(server, ch)) === 1, 10000, 'the subscriber');
    await publish(server, ch, encodeURIComponent('first "message"'));
    await c.waitFor((r) => r.messages.length >= 1);
    await deleteChannel(server, ch);
    await c.waitFor((r) => r.deleted.length >= 1);
    await publish(server, ch, 'second');
    await c.waitFor((r) => r.messages.length >= 2, 10000);
    const st = await c.state();
    await c.stop();
    assert.deepEqual(st.deleted, [ch]);
    assert.deepEqual(st.messages.map((m) => [m.id, m.text]), [[1, 'first "message"'], [1, 'second']]);
    assert.deepEqual(st.errors, []);
  });
}
