// Test harness: builds and starts pushstream on a free 127.0.0.1 port,
// launches headless Chromium, and offers small helpers (publish, waits).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const localAssets = process.env.PUSHSTREAM_LOCAL_ASSETS === '1';
const tmpDirs = [];
const running = new Set(); // server processes not yet stopped
process.on('exit', () => {
  // A test process that ends early must not leave a server behind.
  for (const p of running) {
    try { process.kill(p.pid, 'SIGKILL'); } catch (e) { /* already gone */ }
  }
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

export function tmpDir(prefix) {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

let builtBinary = null;

// The server binary: $PUSHSTREAM_BIN (run.sh builds it once), else built here.
export function serverBinary() {
  if (process.env.PUSHSTREAM_BIN) return process.env.PUSHSTREAM_BIN;
  if (!builtBinary) {
    const out = path.join(tmpDir('pushstream-bin-'), 'pushstream');
    execFileSync('go', ['build', '-o', out, './cmd/pushstream'], { cwd: repoRoot, stdio: 'inherit' });
    builtBinary = out;
  }
  return builtBinary;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The JSON template the client parses (the default config's).
const TEMPLATE = String.raw`"{\"id\":~id~,\"channel\":\"~channel~\",\"text\":\"~text~\", \"tag\":\"~tag~\", \"time\":\"~time~\", \"eventid\":\"~event-id~\"}"`;
const QS = `
            if ($arg_qs = "on") {
                push_stream_last_received_message_time "$arg_time";
                push_stream_last_received_message_tag  "$arg_tag";
                push_stream_last_event_id              "$arg_eventid";
            }`;

// Test configuration: the default config's locations, plus short-lived
// copies (connection ttl 2 s) to exercise server-side closes, an
// EventSource location whose template has no time, so that only the
// browser's Last-Event-Id can resume it, and locations that refuse
// subscribers to channels without stored messages.
export function testConfig(port) {
  return `
http {
    push_stream_shared_memory_size              32m;
    push_stream_max_messages_stored_per_channel 20;
    push_stream_message_ttl                     5m;
    push_stream_ping_message_interval           10s;
    push_stream_longpolling_connection_ttl      5s;
    push_stream_allowed_origins                 "*";
    push_stream_message_template ${TEMPLATE};

    server {
        listen 127.0.0.1:${port};

        location /channels-stats {
            push_stream_channels_statistics;
            push_stream_channels_path $arg_id;
        }
        location /pub {
            push_stream_publisher admin;
            push_stream_channels_path $arg_id;
            push_stream_store_messages on;
        }
        location ~ ^/ttl/ev/(.*) {
            push_stream_subscriber eventsource;
            push_stream_channels_path $1;
            push_stream_subscriber_connection_ttl 2s;${QS}
        }
        location ~ ^/ttl/ws/(.*) {
            push_stream_subscriber websocket;
            push_stream_channels_path $1;
            push_stream_store_messages on;
            push_stream_websocket_allow_publish on;
            push_stream_subscriber_connection_ttl 2s;${QS}
        }
        location ~ ^/leid/ev/(.*) {
            push_stream_subscriber eventsource;
            push_stream_channels_path $1;
            push_stream_subscriber_connection_ttl 2s;
            push_stream_message_template "{\\"id\\":~id~,\\"channel\\":\\"~channel~\\",\\"text\\":\\"~text~\\",\\"eventid\\":\\"~event-id~\\"}";
        }
        location ~ ^/auth/ws/(.*) {
            push_stream_subscriber websocket;
            push_stream_channels_path $1;
            push_stream_authorized_channels_only on;
        }
        location ~ ^/auth/lp/(.*) {
            push_stream_subscriber long-polling;
            push_stream_channels_path $1;
            push_stream_authorized_channels_only on;
        }
        location ~ ^/ev/(.*) {
            push_stream_subscriber eventsource;
            push_stream_channels_path $1;${QS}
        }
        location ~ ^/lp/(.*) {
            push_stream_subscriber long-polling;
            push_stream_channels_path $1;${QS}
        }
        location ~ ^/ws/(.*) {
            push_stream_subscriber websocket;
            push_stream_channels_path $1;
            push_stream_store_messages on;
            push_stream_websocket_allow_publish on;${QS}
        }
    }
}
`;
}

// The embedded default configuration, listening on 127.0.0.1:port.
export function defaultConfig(port) {
  const text = execFileSync(serverBinary(), ['-print-default-config'], { encoding: 'utf8' });
  const out = text.replace(/^(\s*)listen\s+9080\b/m, `$1listen 127.0.0.1:${port}`);
  if (out === text) throw new Error('default config: no "listen 9080" line to move to a free port');
  return out;
}

// Starts pushstream (config: a function of the port, testConfig by default);
// resolves once it answers HTTP.
export async function startServer({ port, config = testConfig } = {}) {
  port = port || (await freePort());
  const dir = tmpDir('pushstream-conf-');
  const conf = path.join(dir, 'pushstream.conf');
  writeFileSync(conf, config(port));
  const proc = spawn(serverBinary(), ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  running.add(proc);
  const exited = new Promise((resolve) => proc.once('exit', (code, sig) => {
    running.delete(proc);
    resolve({ code, sig });
  }));
  const base = `http://127.0.0.1:${port}`;
  const server = {
    port, base, proc, pid: proc.pid, exited,
    output: () => output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(proc.pid, 'SIGTERM');
      const done = await Promise.race([exited, delay(5000).then(() => null)]);
      if (!done) {
        process.kill(proc.pid, 'SIGKILL');
        await exited;
      }
    },
  };
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`pushstream exited (${proc.exitCode}) at start:\n${output}`);
    try {
      await fetch(`${base}/channels-stats`);
      return server;
    } catch (e) {
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`pushstream did not answer on ${base}: ${e}\n${output}`);
      }
      await delay(50);
    }
  }
}

export async function launchBrowser() {
  const context = await chromium.launchPersistentContext(tmpDir('pushstream-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: localAssets ? [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets'] : CHROMIUM_ARGS,
  });
  return context;
}

// Opens the test page served by pushstream. With PUSHSTREAM_LOCAL_ASSETS=1
// the page and client come from web/ on disk instead (to work on the client
// before the server serves them; launchBrowser then turns off Chromium's local
// network access checks, which block a page fulfilled by the test from opening
// WebSockets to 127.0.0.1).
export async function openTestPage(context, server) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e}`));
  if (localAssets) {
    const files = [['/pushstream.js', 'pushstream.js', 'text/javascript'], ['/pushstream-test.html', 'test.html', 'text/html']];
    for (const [route, file, type] of files) {
      await page.route(`${server.base}${route}`, (r) => r.fulfill({
        status: 200, contentType: `${type}; charset=utf-8`, body: readFileSync(path.join(repoRoot, 'web', file)),
      }));
    }
  }
  await page.goto(`${server.base}/pushstream-test.html`);
  await page.waitForFunction(() => window.pushstreamReady === true, null, { timeout: 5000 });
  return page;
}

// Bound on the harness's own HTTP requests: a stalled server fails the test
// with a clear error instead of hanging it.
const HTTP_TIMEOUT = 5000;

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// POST /pub?id=channel; returns the response after checking it is 200.
export async function publish(server, channel, text, headers = {}) {
  const res = await fetch(`${server.base}/pub?id=${encodeURIComponent(channel)}`, {
    method: 'POST', body: text, headers, signal: AbortSignal.timeout(HTTP_TIMEOUT),
  });
  if (res.status !== 200) throw new Error(`publish to ${channel}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

export async function deleteChannel(server, channel) {
  const res = await fetch(`${server.base}/pub?id=${encodeURIComponent(channel)}`, { method: 'DELETE', signal: AbortSignal.timeout(HTTP_TIMEOUT) });
  if (res.status !== 200) throw new Error(`delete ${channel}: HTTP ${res.status}`);
}

// Starts a client in the page (see web/test.html) and returns a handle.
export async function startClient(page, name, options) {
  await page.evaluate(([n, o]) => window.startClient(n, o), [name, options]);
  return {
    name,
    state: () => page.evaluate((n) => window.clientState(n), name),
    texts: async () => (await page.evaluate((n) => window.clientState(n), name)).messages.map((m) => m.text),
    send: (text) => page.evaluate(([n, t]) => window.clients[n].ps.send(t), [name, text]),
    stop: () => page.evaluate((n) => window.clients[n].ps.disconnect(), name),
    // Waits until the client's record satisfies the predicate, given as the
    // source of a function of the record, e.g. "r => r.messages.length >= 2".
    // On timeout the error shows the record, to tell what the client saw.
    async waitFor(predicate, timeout = 10000) {
      try {
        await page.waitForFunction(
          // eslint-disable-next-line no-new-func
          ([n, src]) => new Function(`return (${src})`)()(window.clientState(n)),
          [name, String(predicate)], { timeout, polling: 50 },
        );
      } catch (e) {
        const rec = await page.evaluate((n) => window.clientState(n), name).catch(() => null);
        throw new Error(`client ${name}: timed out waiting for ${predicate}\nclient record: ${JSON.stringify(rec)}`);
      }
    },
  };
}

// Waits until fn() resolves truthy; fn runs every 50 ms until timeout.
export async function waitUntil(fn, timeout = 10000, what = 'condition') {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

// Number of subscribers the server counts on a channel (0 if absent).
export async function subscribers(server, channel) {
  const res = await fetch(`${server.base}/channels-stats?id=${encodeURIComponent(channel)}`, {
    headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(HTTP_TIMEOUT),
  });
  if (res.status !== 200) return 0;
  return JSON.parse(await res.text()).subscribers;
}
