// A server restart: clients reconnect to the new process on the same port and
// get the messages published there before they came back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, openTestPage, publish, startClient, waitUntil, subscribers,
} from './harness.mjs';

let server;
let browser;

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('clients reconnect after a server restart and replay what was published meanwhile', async () => {
  server = await startServer();
  const { port } = server;
  browser = await launchBrowser();
  const page = await openTestPage(browser, server);
  const ch = `restart_${process.pid}`;
  // The reconnection delay leaves time to restart and publish before any client is back.
  const opts = { channels: [ch], reconnectDelay: 3000, maxReconnectDelay: 3000 };
  const clients = [
    await startClient(page, 'restart-ws', { ...opts, modes: ['websocket'] }),
    await startClient(page, 'restart-ev', { ...opts, modes: ['eventsource'] }),
    await startClient(page, 'restart-lp', { ...opts, modes: ['longpolling'] }),
  ];
  for (const c of clients) await c.waitFor((r) => r.state === 'open');
  await waitUntil(async () => (await subscribers(server, ch)) >= 3, 10000, 'three subscribers');
  await publish(server, ch, 'before restart');
  for (const c of clients) await c.waitFor((r) => r.messages.length >= 1);
  const firstSecond = Math.floor(Date.now() / 1000);

  await server.stop();
  for (const c of clients) await c.waitFor((r) => r.state === 'connecting');
  // A new process starts its tags again at 1: a message in the same second as
  // the last one received would look already seen (time, tag) to the replay.
  await waitUntil(() => Math.floor(Date.now() / 1000) > firstSecond, 2000, 'the next second');
  server = await startServer({ port });
  assert.equal(await subscribers(server, ch), 0, 'a client came back before the publish');
  await publish(server, ch, 'after restart');

  for (const c of clients) await c.waitFor((r) => r.messages.length >= 2 && r.state === 'open', 15000);
  for (const c of clients) {
    const st = await c.state();
    await c.stop();
    assert.deepEqual(st.messages.map((m) => m.text), ['before restart', 'after restart'], c.name);
  }
});
