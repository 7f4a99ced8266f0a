// Unit tests of web/pushstream.js logic that needs no browser: message
// splitting, replay bookkeeping, URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PushStream, splitJSONObjects, comparePoints } from '../../web/pushstream.js';

test('splitJSONObjects', async (t) => {
  const cases = [
    ['one object', '{"id":1}', ['{"id":1}']],
    ['concatenated', '{"id":1}{"id":2}', ['{"id":1}', '{"id":2}']],
    ['CRLF separated', '{"id":1}\r\n{"id":2}\r\n', ['{"id":1}', '{"id":2}']],
    ['EventSource multi-line data', '{"a":"x"}\n{"a":"y"}', ['{"a":"x"}', '{"a":"y"}']],
    ['braces inside strings', '{"t":"}{"}{"t":"a\\"}"}', ['{"t":"}{"}', '{"t":"a\\"}"}']],
    ['nested', '{"a":{"b":1}}', ['{"a":{"b":1}}']],
    ['noise around', ' x{"id":1}y ', ['{"id":1}']],
    ['empty', '', []],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.deepEqual(splitJSONObjects(input), want));
  }
});

test('comparePoints orders by time then tag', () => {
  assert.ok(comparePoints({ t: 1, tag: 9 }, { t: 2, tag: 1 }) < 0);
  assert.ok(comparePoints({ t: 2, tag: 2 }, { t: 2, tag: 1 }) > 0);
  assert.equal(comparePoints({ t: 2, tag: 1 }, { t: 2, tag: 1 }), 0);
});

const T1 = 'Wed, 01 May 2024 12:00:05 GMT';
const T2 = 'Wed, 01 May 2024 12:00:06 GMT';
const msg = (id, channel, text, time, tag, eventid = '') =>
  JSON.stringify({ id, channel, text, tag: String(tag), time, eventid });

function client(opts = {}) {
  const got = { messages: [], deleted: [] };
  const ps = new PushStream({
    host: '127.0.0.1', port: 9080, channels: ['ch1', { name: 'ch2', backtrack: 5 }],
    onmessage: (m) => got.messages.push(m), onchanneldeleted: (c) => got.deleted.push(c), ...opts,
  });
  // Stand in for a connected transport.
  const t = {};
  ps._transport = t;
  ps.mode = 'websocket';
  return { ps, got, receive: (s) => ps._receive(t, s) };
}

test('URLs', async (t) => {
  await t.test('fresh start: backtrack, no replay arguments', () => {
    const { ps } = client();
    assert.equal(ps._subscribeURL('ws', '/ws', true), 'ws://127.0.0.1:9080/ws/ch1/ch2.b5');
    assert.equal(ps._subscribeURL('http', '/lp', false), 'http://127.0.0.1:9080/lp/ch1/ch2.b5');
  });
  await t.test('resuming: replay arguments, no backtrack', () => {
    const { ps, receive } = client({ params: { a: 'b c' } });
    receive(msg(1, 'ch1', 'x', T1, 3));
    assert.equal(ps._subscribeURL('ws', '/ws', true),
      'ws://127.0.0.1:9080/ws/ch1/ch2?a=b%20c&qs=on&time=Wed%2C%2001%20May%202024%2012%3A00%3A05%20GMT&tag=3');
    assert.equal(ps._subscribeURL('http', '/lp', false), 'http://127.0.0.1:9080/lp/ch1/ch2?a=b%20c');
  });
  await t.test('resuming by event id when messages have no time', () => {
    const { ps, receive } = client({ keys: { time: 'none' } });
    receive(msg(1, 'ch1', 'x', T1, 3, 'ev 1'));
    assert.equal(ps._subscribeURL('http', '/ev', true), 'http://127.0.0.1:9080/ev/ch1/ch2?qs=on&eventid=ev%201');
  });
  await t.test('replay arguments disabled', () => {
    const { ps, receive } = client({ replayQuery: null });
    receive(msg(1, 'ch1', 'x', T1, 3));
    assert.equal(ps._subscribeURL('ws', '/ws', true), 'ws://127.0.0.1:9080/ws/ch1/ch2');
  });
  await t.test('default ports are omitted, secure schemes', () => {
    assert.equal(new PushStream({ host: 'h', port: 80, channels: ['c'] })._base('ws'), 'ws://h');
    assert.equal(new PushStream({ host: 'h', port: 443, secure: true, channels: ['c'] })._base('http'), 'https://h');
    assert.equal(new PushStream({ host: '::1', port: 9080, channels: ['c'] })._base('http'), 'http://[::1]:9080');
  });
  await t.test('initial point from since', () => {
    const ps = new PushStream({ host: 'h', channels: ['c'], since: new Date(0) });
    assert.equal(ps._subscribeURL('http', '/ev', true),
      'http://h/ev/c?qs=on&time=Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT&tag=0');
  });
});

test('messages', async (t) => {
  await t.test('delivered with decoded text and fields', () => {
    const { got, receive } = client();
    receive(msg(7, 'ch1', encodeURIComponent('héllo "world" 100%'), T1, 2, 'e7'));
    assert.deepEqual(got.messages, [
      { id: 7, channel: 'ch1', text: 'héllo "world" 100%', eventid: 'e7', time: T1, tag: 2, mode: 'websocket' },
    ]);
  });
  await t.test('text that is not URL-encoding is kept', () => {
    const { got, receive } = client();
    receive(msg(1, 'ch1', '100% sure', T1, 1));
    assert.equal(got.messages[0].text, '100% sure');
  });
  await t.test('pings and timeouts ignored, deletes reported', () => {
    const { got, receive } = client();
    receive('{"id":-1,"channel":"","text":" ", "tag":"0", "time":"Thu, 01 Jan 1970 00:00:00 GMT", "eventid":""}');
    receive('{"id":-3,"channel":"","text":"Timed out"}');
    receive('{"id":"-2","channel":"ch2","text":"Channel deleted"}');
    assert.deepEqual(got.messages, []);
    assert.deepEqual(got.deleted, ['ch2']);
  });
  await t.test('replayed duplicates dropped per channel', () => {
    const { got, receive } = client();
    receive(msg(1, 'ch1', 'a', T1, 1) + msg(1, 'ch2', 'b', T1, 2) + msg(2, 'ch1', 'c', T2, 1));
    // A reconnection replays from the oldest point: ch2's message again, ch1's again.
    receive(msg(1, 'ch2', 'b', T1, 2) + msg(2, 'ch1', 'c', T2, 1) + msg(2, 'ch2', 'd', T2, 2));
    assert.deepEqual(got.messages.map((m) => m.text), ['a', 'b', 'c', 'd']);
  });
  await t.test('ids restarting after a channel delete are not dropped', () => {
    const { got, receive } = client();
    receive(msg(5, 'ch1', 'old', T1, 1));
    receive('{"id":-2,"channel":"ch1","text":"Channel deleted"}');
    receive(msg(1, 'ch1', 'new', T2, 1));
    assert.deepEqual(got.messages.map((m) => m.text), ['old', 'new']);
  });
  await t.test('invalid JSON reported, the rest delivered', () => {
    const errors = [];
    const { got, receive } = client({ onerror: (e) => errors.push(e.type) });
    receive('{"id":1,"text":a}' + msg(2, 'ch1', 'ok', T1, 1));
    assert.deepEqual(got.messages.map((m) => m.text), ['ok']);
    assert.deepEqual(errors, ['parse']);
  });
});

test('replay point: oldest for streams, newest for long-polling', () => {
  const { ps, receive } = client();
  receive(msg(1, 'ch1', 'a', T1, 4) + msg(1, 'ch2', 'b', T2, 1));
  assert.equal(ps._replayPoint().time, T1);
  assert.equal(ps._replayPoint(true).time, T2);
  ps._raiseFloor('Wed, 01 May 2024 12:00:09 GMT', 'W/0');
  assert.equal(ps._replayPoint(true).time, 'Wed, 01 May 2024 12:00:09 GMT');
  assert.equal(ps._replayPoint().time, T1);
  ps._raiseFloor('null', 'W/1'); // unreadable headers change nothing
  assert.equal(ps._replayPoint(true).tag, 0);
});

test('constructor validation', () => {
  assert.throws(() => new PushStream({ modes: ['carrier-pigeon'] }), /unknown mode/);
  assert.deepEqual(new PushStream({ modes: ['WS', 'long-polling', 'sse'] }).modes,
    ['websocket', 'longpolling', 'eventsource']);
  assert.throws(() => new PushStream({ channels: [] }).connect(), /no channel/);
});

test('reconnection: fallback order and delays', async (t) => {
  // Every mode counts as available; timers are recorded, not run.
  const saved = { WebSocket: globalThis.WebSocket, EventSource: globalThis.EventSource, setTimeout: globalThis.setTimeout };
  globalThis.WebSocket = globalThis.WebSocket || function WebSocket() {};
  globalThis.EventSource = globalThis.EventSource || function EventSource() {};
  let delays = [];
  globalThis.setTimeout = (fn, ms) => { delays.push(ms); return 0; };
  t.after(() => Object.assign(globalThis, saved));

  const errors = [];
  const ps = new PushStream({
    host: 'h', channels: ['c'], reconnectDelay: 100, maxReconnectDelay: 1000, onerror: (e) => errors.push(e),
  });
  ps._wanted = true;
  // Simulates a connection attempt of the current mode ending.
  const attempt = (opened, err) => {
    const tr = { opened: false, close() {} };
    ps._transport = tr;
    ps.mode = ps.modes[ps._modeIndex];
    if (opened) ps._opened(tr);
    ps._ended(tr, err);
    return ps.modes[ps._modeIndex];
  };
  const fail = { type: 'connect', message: 'x' };

  await t.test('unproven modes fall through at once, then wait', () => {
    delays = [];
    assert.equal(attempt(false, fail), 'eventsource');
    assert.equal(attempt(false, fail), 'longpolling');
    assert.equal(attempt(false, fail), 'websocket');
    assert.deepEqual(delays, [0, 0, 100]);
  });
  await t.test('a mode that opened is kept, with growing delays while it fails', () => {
    ps._modeIndex = 1;
    delays = [];
    assert.equal(attempt(true, null), 'eventsource'); // normal end (ttl)
    assert.equal(attempt(false, fail), 'eventsource'); // server down
    assert.equal(attempt(false, fail), 'eventsource');
    assert.equal(attempt(false, fail), 'eventsource');
    assert.equal(attempt(false, fail), 'eventsource');
    assert.equal(attempt(false, fail), 'eventsource');
    assert.deepEqual(delays, [100, 100, 200, 400, 800, 1000]);
    delays = [];
    attempt(true, null);
    assert.deepEqual(delays, [100]);
  });
  await t.test('refusals back off although the socket opened', () => {
    ps._modeIndex = 0;
    delays = [];
    for (let i = 0; i < 4; i++) attempt(true, { type: 'refused', status: 403 });
    assert.deepEqual(delays, [100, 200, 400, 800]);
    assert.equal(ps.modes[ps._modeIndex], 'websocket');
  });
  await t.test('disconnect stops reconnecting', () => {
    delays = [];
    ps.disconnect();
    assert.equal(ps.state, 0);
    attempt(false, fail);
    assert.deepEqual(delays, []);
  });
});
