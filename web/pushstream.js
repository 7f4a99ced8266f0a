// pushstream.js — a small, dependency-free browser client for pushstream
// (the nginx-push-stream-module protocol). ES module; served by pushstream at
// /pushstream.js.
//
//   import { PushStream } from '/pushstream.js';
//   const ps = new PushStream({
//     channels: ['ch1', { name: 'ch2', backtrack: 5 }],
//     onmessage: (m) => console.log(m.channel, m.text),
//   });
//   ps.connect();
//   await ps.send('hello');
//
// Transports, tried in the order of `modes` until one opens: WebSocket
// (/ws/...), EventSource (/ev/...), long-polling (fetch on /lp/...). A mode
// that has opened once is kept for reconnections, so a server restart does
// not push the client down to a worse mode.
//
// Replay. Every message of the server carries a publish time (seconds) and a
// server-wide per-second tag; (time, tag) orders all messages. The client keeps
// the last (time, tag) seen per channel, reconnects from the oldest of them and
// drops what it already delivered, so nothing is lost or repeated across a
// reconnection. WebSocket and EventSource send the point as query arguments
// (`qs=on&time=...&tag=...`, which the default config maps with
// push_stream_last_received_message_time $arg_time etc.); long-polling sends
// If-Modified-Since / If-None-Match. Without a time in the template the last
// event id is used instead (`eventid=` / Last-Event-Id; EventSource then lets
// the browser reconnect by itself with its Last-Event-Id header).
//
// Text is URL-encoded by send() and decoded on receipt (`urlEncode: true`),
// because the server copies the text into the JSON template unescaped.

/** Connection states reported to onstatuschange. */
export const CLOSED = 0;
export const CONNECTING = 1;
export const OPEN = 2;

const MODE_ALIASES = {
  websocket: 'websocket', ws: 'websocket',
  eventsource: 'eventsource', sse: 'eventsource',
  longpolling: 'longpolling', 'long-polling': 'longpolling', lp: 'longpolling',
};

const DEFAULTS = {
  host: undefined, // default: the page's host name
  port: undefined, // default: the page's port
  secure: undefined, // default: page is https
  modes: ['websocket', 'eventsource', 'longpolling'],
  channels: [],
  prefixes: { pub: '/pub', ev: '/ev', lp: '/lp', ws: '/ws' },
  keys: { id: 'id', channel: 'channel', text: 'text', tag: 'tag', time: 'time', eventid: 'eventid' },
  // Query arguments naming the replay point, and the arguments that make a
  // location read them (`if ($arg_qs = "on")` in the default config).
  args: { tag: 'tag', time: 'time', eventid: 'eventid' },
  replayQuery: { qs: 'on' },
  params: null, // extra query arguments: object or function returning one
  urlEncode: true,
  autoReconnect: true,
  reconnectDelay: 1000, // first delay after a drop; doubles per failed attempt
  maxReconnectDelay: 30000,
  timeout: 30000, // long-polling: a request is aborted after timeout + 2 s
  since: null, // initial replay point: a Date, or seconds before now
  lastEventId: null, // initial event id to resume after
  onmessage: null, // ({id, channel, text, eventid, time, tag, mode}) => void
  onstatuschange: null, // (state, mode) => void
  onerror: null, // ({type, mode, status?, explain?, message}) => void
  onchanneldeleted: null, // (channel) => void
};

/** A pub/sub connection to a pushstream server. */
export class PushStream {
  constructor(options = {}) {
    const o = { ...DEFAULTS, ...options };
    o.prefixes = { ...DEFAULTS.prefixes, ...options.prefixes };
    o.keys = { ...DEFAULTS.keys, ...options.keys };
    o.args = { ...DEFAULTS.args, ...options.args };
    this.options = o;
    this.modes = o.modes.map((m) => {
      const name = MODE_ALIASES[String(m).toLowerCase()];
      if (!name) throw new Error(`pushstream: unknown mode ${m}`);
      return name;
    });
    this.channels = new Map(); // name -> backtrack
    for (const c of o.channels) {
      if (typeof c === 'string') this.addChannel(c);
      else this.addChannel(c.name, c);
    }
    this.state = CLOSED;
    this.mode = null;
    this._transport = null;
    this._timer = null;
    this._modeIndex = 0;
    this._proven = new Set(); // modes that opened at least once
    this._failures = 0; // failed attempts since the last open
    this._refusals = 0; // WebSocket refusals since the last message
    this._last = new Map(); // channel -> {t, tag, time}: last delivered message
    this._floor = null; // replay point from long-polling response headers
    this._wanted = false; // connect() called and not disconnect()
    this._lastEventId = o.lastEventId || null;
    if (o.since != null) {
      const d = o.since instanceof Date ? o.since : new Date(Date.now() - o.since * 1000);
      this._floor = { t: Math.floor(d.getTime() / 1000), tag: 0, time: d.toUTCString() };
    }
  }

  /** Subscribes to a channel (takes effect on the next connection). */
  addChannel(name, { backtrack = 0 } = {}) {
    if (!name) throw new Error('pushstream: empty channel name');
    this.channels.set(String(name), backtrack | 0);
  }

  /** Unsubscribes from a channel (takes effect on the next connection). */
  removeChannel(name) {
    this.channels.delete(String(name));
  }

  /** Opens the connection; reconnects by itself until disconnect(). */
  connect() {
    if (this.channels.size === 0) throw new Error('pushstream: no channel to subscribe to');
    this._stop();
    this._wanted = true;
    this._modeIndex = this._firstSupported(0);
    if (this._modeIndex < 0) throw new Error('pushstream: no supported mode in this browser');
    this._start();
  }

  /** Closes the connection and stops reconnecting. */
  disconnect() {
    this._wanted = false;
    this._stop();
    this._setState(CLOSED);
  }

  /**
   * Publishes text to every subscribed channel: over the open WebSocket, else
   * with POST /pub?id=ch1/ch2. Resolves when sent (WebSocket) or accepted (200).
   */
  async send(text) {
    const body = this.options.urlEncode ? encodeURIComponent(text) : String(text);
    const t = this._transport;
    if (t instanceof WebSocketTransport && t.isOpen()) {
      t.ws.send(body);
      return;
    }
    const id = [...this.channels.keys()].join('/');
    const url = `${this._base('http')}${this.options.prefixes.pub}?id=${encodeURIComponent(id)}`;
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    });
    if (res.status !== 200) {
      const explain = res.headers.get('X-Nginx-PushStream-Explain') || '';
      throw new Error(`pushstream: publish failed: HTTP ${res.status} ${explain}`.trim());
    }
  }

  // ---- connection lifecycle -------------------------------------------------

  _start() {
    this._timer = null;
    this.mode = this.modes[this._modeIndex];
    this._setState(CONNECTING);
    const Transport = TRANSPORTS[this.mode];
    this._transport = new Transport(this);
    this._transport.open();
  }

  _stop() {
    clearTimeout(this._timer);
    this._timer = null;
    if (this._transport) {
      const t = this._transport;
      this._transport = null;
      t.close();
    }
  }

  _firstSupported(from) {
    for (let i = from; i < this.modes.length; i++) {
      if (TRANSPORTS[this.modes[i]].supported()) return i;
    }
    return -1;
  }

  // Called by a transport once it receives data or its connection is accepted.
  _opened(t) {
    if (t !== this._transport) return;
    if (!t.opened) {
      t.opened = true;
      this._proven.add(this.mode);
      this._failures = 0;
    }
    this._setState(OPEN);
  }

  // Called by a transport when its connection ends for any reason. err is
  // reported to onerror; a normal server-side end (ttl, delete) passes none.
  _ended(t, err) {
    if (t !== this._transport) return;
    this._transport = null;
    t.close();
    if (err) this._error({ mode: this.mode, ...err });
    if (!this._wanted || !this.options.autoReconnect) {
      this._wanted = false;
      this._setState(CLOSED);
      return;
    }
    this._setState(CONNECTING);
    let delay = 0;
    if (err && err.type === 'refused') {
      // A WebSocket refusal comes right after the socket opened, so it has
      // its own backoff, reset only once a message arrives.
      delay = this._backoff(this._refusals++);
    } else if (!t.opened && !this._proven.has(this.mode)) {
      // This mode does not work here: try the next one at once, and wait
      // only when every mode has failed in a row.
      const next = this._firstSupported(this._modeIndex + 1);
      if (next >= 0) {
        this._modeIndex = next;
      } else {
        this._modeIndex = this._firstSupported(0);
        delay = this._backoff(this._failures++);
      }
    } else if (!t.opened) {
      delay = this._backoff(this._failures++);
    } else {
      delay = this._backoff(0);
    }
    this._timer = setTimeout(() => this._start(), delay);
  }

  _backoff(attempts) {
    const o = this.options;
    return Math.min(o.reconnectDelay * 2 ** attempts, o.maxReconnectDelay);
  }

  _setState(s) {
    if (this.state === s) return;
    this.state = s;
    if (this.options.onstatuschange) this.options.onstatuschange(s, this.mode);
  }

  _error(err) {
    if (this.options.onerror) this.options.onerror(err);
  }

  // ---- messages -------------------------------------------------------------

  // Handles a chunk of text holding one or more JSON messages.
  _receive(t, data) {
    if (t !== this._transport) return;
    for (const raw of splitJSONObjects(data)) {
      let obj;
      try {
        obj = JSON.parse(raw);
      } catch (e) {
        this._error({ type: 'parse', mode: this.mode, message: `invalid message: ${raw}` });
        continue;
      }
      this._deliver(obj);
      if (t !== this._transport) return; // a callback disconnected
    }
  }

  _deliver(obj) {
    const k = this.options.keys;
    const id = Number(obj[k.id]);
    const channel = obj[k.channel] == null ? '' : String(obj[k.channel]);
    if (id === -2) {
      if (this.options.onchanneldeleted) this.options.onchanneldeleted(channel);
      return;
    }
    if (!(id > 0)) return; // -1 ping, -3 long-polling timeout
    const time = obj[k.time] == null ? '' : String(obj[k.time]);
    const tag = obj[k.tag] == null || obj[k.tag] === '' ? NaN : Number(obj[k.tag]);
    const eventid = obj[k.eventid] == null ? '' : String(obj[k.eventid]);
    const t = Date.parse(time) / 1000;
    if (Number.isFinite(t) && Number.isFinite(tag)) {
      const point = { t, tag, time };
      const last = this._last.get(channel);
      if (last && comparePoints(point, last) <= 0) return; // replayed again
      this._last.set(channel, point);
    }
    if (eventid) this._lastEventId = eventid;
    this._refusals = 0;
    let text = obj[k.text] == null ? '' : String(obj[k.text]);
    if (this.options.urlEncode) text = decodeText(text);
    if (this.options.onmessage) {
      this.options.onmessage({ id, channel, text, eventid, time, tag, mode: this.mode });
    }
  }

  // Where the next connection resumes. A WebSocket or EventSource replays
  // once, channel after channel, so it resumes from the oldest last-delivered
  // point over the channels and the duplicates are dropped on receipt. A
  // long-polling request resumes from the newest point: the server answers
  // everything up to its snapshot at once, and an older point would make it
  // answer the same messages again and again.
  _replayPoint(newest = false) {
    const sign = newest ? 1 : -1;
    let pick = newest ? this._floor : null;
    for (const name of this.channels.keys()) {
      const p = this._last.get(name);
      if (p && (!pick || sign * comparePoints(p, pick) > 0)) pick = p;
    }
    return pick || this._floor;
  }

  _raiseFloor(lastModified, etag) {
    const t = Date.parse(lastModified) / 1000;
    const m = /^(?:W\/)?(\d+)$/.exec(etag || '');
    if (!Number.isFinite(t) || !m) return;
    const p = { t, tag: Number(m[1]), time: lastModified };
    if (!this._floor || comparePoints(p, this._floor) > 0) this._floor = p;
  }

  // ---- URLs -----------------------------------------------------------------

  _base(scheme) {
    const o = this.options;
    const loc = typeof location !== 'undefined' ? location : null;
    const secure = o.secure != null ? o.secure : !!loc && loc.protocol === 'https:';
    const host = o.host || (loc ? loc.hostname : 'localhost');
    const port = o.port != null ? String(o.port) : loc ? loc.port : '';
    const s = scheme + (secure ? 's' : '');
    const defaultPort = secure ? '443' : '80';
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return `${s}://${h}${port && port !== defaultPort ? `:${port}` : ''}`;
  }

  // Subscriber URL for a prefix. withReplayArgs: put the replay point in the
  // query (WebSocket, EventSource) rather than in headers (long-polling).
  _subscribeURL(scheme, prefix, withReplayArgs) {
    const o = this.options;
    const point = this._replayPoint();
    const resuming = point != null || this._lastEventId != null;
    let path = '';
    for (const [name, backtrack] of this.channels) {
      path += `/${encodeURIComponent(name)}`;
      // Backtrack only on a fresh start: once resuming, it would replay old messages.
      if (backtrack > 0 && !resuming) path += `.b${backtrack}`;
    }
    const q = new URLSearchParams();
    const extra = typeof o.params === 'function' ? o.params() : o.params;
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    if (withReplayArgs && o.replayQuery && resuming) {
      for (const [k, v] of Object.entries(o.replayQuery)) q.set(k, v);
      if (point) {
        q.set(o.args.time, point.time);
        q.set(o.args.tag, String(point.tag));
      } else {
        q.set(o.args.eventid, this._lastEventId);
      }
    }
    const qs = q.toString().replace(/\+/g, '%20');
    return `${this._base(scheme)}${prefix}${path}${qs ? `?${qs}` : ''}`;
  }
}

PushStream.CLOSED = CLOSED;
PushStream.CONNECTING = CONNECTING;
PushStream.OPEN = OPEN;

// ---- transports ---------------------------------------------------------------
// Each transport owns one connection attempt. It reports to its client with
// _opened, _receive and _ended, and ignores everything once close() ran.

class Transport {
  constructor(client) {
    this.client = client;
    this.opened = false;
    this.closed = false;
  }
}

class WebSocketTransport extends Transport {
  static supported() {
    return typeof WebSocket === 'function';
  }

  open() {
    const c = this.client;
    let ws;
    try {
      ws = new WebSocket(c._subscribeURL('ws', c.options.prefixes.ws, true));
    } catch (e) {
      queueMicrotask(() => c._ended(this, { type: 'connect', message: String(e) }));
      return;
    }
    this.ws = ws;
    ws.onopen = () => c._opened(this);
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') c._receive(this, ev.data);
    };
    ws.onclose = (ev) => c._ended(this, closeError(ev, this.opened));
    ws.onerror = null; // always followed by close, which carries the details
  }

  isOpen() {
    return !this.closed && this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      if (this.ws.readyState <= WebSocket.OPEN) this.ws.close();
    }
  }
}

// Turns a WebSocket close event into an error for onerror, or null for a
// normal end decided by the server (ttl, channel deleted, shutdown).
function closeError(ev, opened) {
  if (ev.code === 1008 && ev.reason) {
    // Refused subscription: {"http_status": 403, "explain":"..."}.
    try {
      const r = JSON.parse(ev.reason);
      return { type: 'refused', status: r.http_status, explain: r.explain, message: ev.reason };
    } catch (e) {
      return { type: 'refused', message: ev.reason };
    }
  }
  if (!opened) return { type: 'connect', message: `WebSocket closed before opening (code ${ev.code})` };
  if (ev.code === 1006) return { type: 'closed', message: 'WebSocket connection lost' };
  return null;
}

class EventSourceTransport extends Transport {
  static supported() {
    return typeof EventSource === 'function';
  }

  open() {
    const c = this.client;
    this.resumed = c._replayPoint() != null || c._lastEventId != null;
    const es = new EventSource(c._subscribeURL('http', c.options.prefixes.ev, true));
    this.es = es;
    es.onopen = () => {
      this.nativeRetry = false;
      c._opened(this);
    };
    es.onmessage = (ev) => c._receive(this, ev.data);
    es.onerror = () => {
      // The browser retries by itself (readyState CONNECTING) with the same
      // URL and a Last-Event-Id header. Let it when that is the best replay
      // point we have: messages carry event ids, the template has no time, and
      // the URL holds no stale replay arguments. Otherwise reconnect ourselves.
      const native = es.readyState === EventSource.CONNECTING && this.opened && !this.nativeRetry &&
        !this.resumed && c._replayPoint() == null && c._lastEventId != null;
      if (native) {
        this.nativeRetry = true;
        c._setState(CONNECTING);
        return;
      }
      c._ended(this, this.opened ? null : { type: 'connect', message: 'EventSource failed to open' });
    };
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.es) {
      this.es.onopen = this.es.onmessage = this.es.onerror = null;
      this.es.close();
    }
  }
}

class LongPollingTransport extends Transport {
  static supported() {
    return typeof fetch === 'function' && typeof AbortController === 'function';
  }

  open() {
    // A waiting request gives no sign of life: call it open once it has not
    // failed for a moment.
    this.openTimer = setTimeout(() => this.client._opened(this), 150);
    this.poll();
  }

  async poll() {
    const c = this.client;
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    const abortTimer = setTimeout(() => ctrl.abort(), c.options.timeout + 2000);
    const headers = {};
    const point = c._replayPoint(true);
    if (point) {
      headers['If-Modified-Since'] = point.time;
      headers['If-None-Match'] = String(point.tag);
    } else if (c._lastEventId != null) {
      headers['Last-Event-Id'] = c._lastEventId;
    }
    let res;
    let body = '';
    try {
      res = await fetch(c._subscribeURL('http', c.options.prefixes.lp, false), {
        headers,
        cache: 'no-store',
        signal: ctrl.signal,
      });
      if (res.status === 200) body = await res.text();
    } catch (e) {
      if (this.closed) return;
      const type = ctrl.signal.aborted ? 'timeout' : 'connect';
      c._ended(this, { type, message: `long-polling request failed: ${e}` });
      return;
    } finally {
      clearTimeout(abortTimer);
    }
    if (this.closed) return;
    if (res.status !== 200 && res.status !== 304) {
      const explain = res.headers.get('X-Nginx-PushStream-Explain') || undefined;
      c._ended(this, { type: 'http', status: res.status, explain, message: `long-polling: HTTP ${res.status}` });
      return;
    }
    c._opened(this);
    // Same-origin responses expose the server's own replay point.
    c._raiseFloor(res.headers.get('Last-Modified'), res.headers.get('Etag'));
    if (body) c._receive(this, body);
    if (this.closed) return;
    // 304 is a timeout or "nothing new": ask again after a short pause.
    if (res.status === 304) this.next = setTimeout(() => this.poll(), 100);
    else this.poll();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    clearTimeout(this.next);
    if (this.ctrl) this.ctrl.abort();
  }
}

const TRANSPORTS = {
  websocket: WebSocketTransport,
  eventsource: EventSourceTransport,
  longpolling: LongPollingTransport,
};

// ---- helpers --------------------------------------------------------------------

/**
 * Splits text holding concatenated JSON objects (`{..}{..}`, `{..}\r\n{..}`,
 * EventSource multi-line data) into one string per top-level object. Braces
 * inside JSON strings are not counted.
 */
export function splitJSONObjects(s) {
  const out = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && depth > 0) {
      if (--depth === 0) out.push(s.slice(start, i + 1));
    }
  }
  return out;
}

/** Orders two replay points {t, tag}: negative, zero or positive. */
export function comparePoints(a, b) {
  return a.t !== b.t ? a.t - b.t : a.tag - b.tag;
}

// URL-decodes a received text; text that is not valid %-encoding is kept as is.
function decodeText(s) {
  try {
    return decodeURIComponent(s);
  } catch (e) {
    return s;
  }
}

export default PushStream;
