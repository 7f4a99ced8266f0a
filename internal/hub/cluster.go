package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pushstream/pushstream/internal/broker"
)

// Cluster mode: the broker holds ids, history, the channel registry and the
// cluster-wide counts; the hub keeps only channels with local subscribers
// (h.channels) and fans out what the broker delivers. Broker calls are
// never made with h.mu held, because the broker calls back into the hub.
//
// Lock order in cluster mode: cluster.subMu, then Hub.mu.

const (
	callTimeout    = 3 * time.Second // bound on one hub -> broker operation
	heartbeatEvery = time.Second
	eventQueue     = 4096
)

type cluster struct {
	h *Hub
	b broker.Broker

	subMu      sync.Mutex
	subscribed map[string]bool // channels this node subscribed to in the broker

	// ensured remembers recent successful Ensure calls, so that the
	// handler's Ensure followed by Publish or Attach costs one round trip.
	// Publish registers the channel anyway.
	ensMu   sync.Mutex
	ensured map[string]time.Time

	events    chan [2]string // (type, channel) notices for the events channel
	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	startOnce sync.Once
	lifeMu    sync.Mutex // orders the start of publishEvents against close
	closed    bool
}

func newCluster(h *Hub, b broker.Broker) *cluster {
	c := &cluster{h: h, b: b, subscribed: map[string]bool{}, ensured: map[string]time.Time{}, done: make(chan struct{})}
	if h.cfg.EventsChannelID != "" {
		c.events = make(chan [2]string, eventQueue)
	}
	_ = b.Start(handler{c})
	return c
}

// handler is the broker.Handler of a hub (kept off the Hub's method set).
type handler struct{ c *cluster }

func (x handler) HandleMessage(m broker.Message)           { x.c.deliver(m) }
func (x handler) HandleDelete(channel string, text []byte) { x.c.deleteLocal(channel, text) }
func (x handler) HandleReconnect()                         { x.c.catchUp() }

func bctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

func unavailable(op, id string, err error) error {
	return fmt.Errorf("%s %q: %w (%w)", op, id, ErrUnavailable, err)
}

func fromBroker(m broker.Message) *Message {
	return &Message{
		ID: m.ID, Channel: m.Channel, Text: m.Text, Time: m.Time, Tag: m.Tag, Expires: m.Expires,
		EventID: m.EventID, EventType: m.EventType, HasEventID: m.HasEventID, HasEventType: m.HasEventType,
	}
}

// ensureFresh is how long a successful Ensure is remembered; shorter than
// any inactivity deadline the broker keeps (3 s at least).
const ensureFresh = time.Second

// limit returns the channel limit that applies to id.
func (c *cluster) limit(cfg Config, id string) (wild bool, max int) {
	wild = c.h.isWildcard(id)
	max = cfg.MaxChannels
	if wild {
		max = cfg.MaxWildcardChannels
	}
	if c.h.IsEventsChannel(id) {
		max = 0
	}
	return wild, max
}

func (c *cluster) recentlyEnsured(id string) bool {
	c.ensMu.Lock()
	defer c.ensMu.Unlock()
	t, ok := c.ensured[id]
	return ok && time.Since(t) < ensureFresh
}

func (c *cluster) markEnsured(id string, ok bool) {
	c.ensMu.Lock()
	defer c.ensMu.Unlock()
	if ok {
		c.ensured[id] = time.Now()
	} else {
		delete(c.ensured, id)
	}
}

// pruneEnsured forgets stale Ensure results.
func (c *cluster) pruneEnsured() {
	c.ensMu.Lock()
	defer c.ensMu.Unlock()
	for id, t := range c.ensured {
		if time.Since(t) >= ensureFresh {
			delete(c.ensured, id)
		}
	}
}

// ensure registers id in the cluster registry (publisher.md §1 step 6c).
func (c *cluster) ensure(id string) error {
	if c.recentlyEnsured(id) {
		return nil
	}
	cfg := c.h.Config()
	wild, max := c.limit(cfg, id)
	ctx, cancel := bctx()
	defer cancel()
	created, err := c.b.Ensure(ctx, id, wild, max, cfg.ChannelInactivity)
	switch {
	case errors.Is(err, broker.ErrTooManyChannels):
		return ErrTooManyChannels
	case err != nil:
		return unavailable("ensure", id, err)
	}
	c.markEnsured(id, true)
	if created {
		c.emit("channel_created", id)
	}
	return nil
}

// publish is Publish in cluster mode: one broker call that also registers
// the channel.
func (c *cluster) publish(id string, p Publish) (*Message, error) {
	cfg := c.h.Config()
	wild, max := c.limit(cfg, id)
	ctx, cancel := bctx()
	defer cancel()
	m, err := c.b.Publish(ctx, id, broker.Publish{
		Text: p.Text, EventID: p.EventID, EventType: p.EventType, HasEventID: p.HasEventID, HasEventType: p.HasEventType,
		Store: p.Store, Count: true, MaxStored: cfg.MaxStoredPerChannel, TTL: cfg.MessageTTL, Inactivity: cfg.ChannelInactivity,
		Wildcard: wild, MaxChannels: max,
	})
	switch {
	case errors.Is(err, broker.ErrTooManyChannels):
		return nil, ErrTooManyChannels
	case err != nil:
		return nil, unavailable("publish", id, err)
	}
	c.markEnsured(id, true)
	if m.Created {
		c.emit("channel_created", id)
	}
	return fromBroker(m), nil
}

// deliver fans a broker message out to the local subscribers.
func (c *cluster) deliver(bm broker.Message) {
	h := c.h
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.channels[bm.Channel]
	if ch == nil || len(ch.subs) == 0 {
		return
	}
	if ch.catching {
		if !after(bm.Time, bm.Tag, ch.catchTime, ch.catchTag) {
			return // already delivered by catchUp
		}
		ch.catching = false
	}
	m := fromBroker(bm)
	ch.lastID = m.ID
	ch.seen(m.Time, m.Tag)
	for _, e := range ch.subs {
		if e.s.pending {
			e.s.buf = append(e.s.buf, m)
		} else {
			e.s.sub.Deliver(m)
		}
	}
}

// after reports whether (t, g) comes after (t0, g0) in time+tag order.
func after(t, g, t0, g0 int64) bool { return t > t0 || (t == t0 && g > g0) }

// seen moves the channel's newest known (time, tag) forward.
func (ch *Channel) seen(t, g int64) {
	if after(t, g, ch.lastTime, ch.lastTag) {
		ch.lastTime, ch.lastTag = t, g
	}
}

// catchUp runs after the broker's delivery connection came back: each
// channel with local subscribers gets, from the history, the stored
// messages newer than the newest it delivered. Messages are compared by
// time and tag, which survive a Redis restart that resets the ids.
func (c *cluster) catchUp() {
	h := c.h
	h.mu.Lock()
	ids := make([]string, 0, len(h.channels))
	for id, ch := range h.channels {
		if len(ch.subs) > 0 {
			ids = append(ids, id)
		}
	}
	h.mu.Unlock()
	for _, id := range ids {
		ctx, cancel := bctx()
		hist, err := c.b.History(ctx, id)
		cancel()
		if err != nil {
			continue
		}
		h.mu.Lock()
		ch := h.channels[id]
		if ch == nil {
			h.mu.Unlock()
			continue
		}
		for _, bm := range hist.Messages {
			if !after(bm.Time, bm.Tag, ch.lastTime, ch.lastTag) {
				continue
			}
			m := fromBroker(bm)
			ch.lastID = m.ID
			ch.seen(m.Time, m.Tag)
			ch.catching, ch.catchTime, ch.catchTag = true, m.Time, m.Tag
			for _, e := range ch.subs {
				if e.s.pending {
					e.s.buf = append(e.s.buf, m)
				} else {
					e.s.sub.Deliver(m)
				}
			}
		}
		h.mu.Unlock()
	}
}

// subscribe makes sure the broker delivers id's messages to this node.
func (c *cluster) subscribe(id string) error {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	if c.subscribed[id] {
		return nil
	}
	ctx, cancel := bctx()
	defer cancel()
	if err := c.b.Subscribe(ctx, id); err != nil {
		return unavailable("subscribe", id, err)
	}
	c.subscribed[id] = true
	return nil
}

// attach is Attach in cluster mode: register the subscription as pending,
// subscribe in the broker, read the history, then release what arrived
// meanwhile minus what the replay already holds (no gap, no duplicate).
func (c *cluster) attach(sub Subscriber, wants []Want, p ReplayPoint, mode AttachMode) (*Subscription, [][]*Message, error) {
	for _, w := range wants {
		if err := c.ensure(w.ID); err != nil {
			return nil, nil, err
		}
	}
	h := c.h
	var s *Subscription
	if mode != AttachNone {
		s = &Subscription{sub: sub, pending: true, entries: make([]*subEntry, 0, len(wants))}
		h.mu.Lock()
		for _, w := range wants {
			ch := h.channels[w.ID]
			if ch == nil {
				ch = &Channel{id: w.ID, wildcard: h.isWildcard(w.ID), events: h.IsEventsChannel(w.ID), orderIdx: -1}
				h.channels[w.ID] = ch
			}
			e := &subEntry{s: s, ch: ch}
			ch.addSub(e)
			s.entries = append(s.entries, e)
			s.live++
		}
		h.mu.Unlock()
		for _, w := range wants {
			if err := c.subscribe(w.ID); err != nil {
				c.abort(s)
				return nil, nil, err
			}
		}
	}
	now := h.nowUnix()
	replay := make([][]*Message, len(wants))
	stored := make(map[string][]*Message, len(wants))
	replayed := make(map[string]map[int64]bool, len(wants))
	any := false
	for i, w := range wants {
		msgs, ok := stored[w.ID]
		if !ok {
			ctx, cancel := bctx()
			hist, err := c.b.History(ctx, w.ID)
			cancel()
			if err != nil {
				c.abort(s)
				return nil, nil, unavailable("history", w.ID, err)
			}
			msgs = make([]*Message, len(hist.Messages))
			for j, m := range hist.Messages {
				msgs[j] = fromBroker(m)
			}
			stored[w.ID] = msgs
		}
		replay[i] = replayFrom(msgs, w.Backtrack, p, now)
		if len(replay[i]) > 0 {
			any = true
			if replayed[w.ID] == nil {
				replayed[w.ID] = map[int64]bool{}
			}
			for _, m := range replay[i] {
				replayed[w.ID][m.ID] = true
			}
		}
	}
	if mode == AttachNone {
		return nil, replay, nil
	}
	if mode == AttachIfIdle && any {
		c.abort(s)
		return nil, replay, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, msgs := range stored {
		if ch := h.channels[id]; ch != nil && len(msgs) > 0 {
			last := msgs[len(msgs)-1]
			ch.seen(last.Time, last.Tag)
		}
	}
	if s.done { // every channel was deleted meanwhile
		return s, replay, nil
	}
	s.pending = false
	for _, m := range s.buf {
		if !replayed[m.Channel][m.ID] {
			sub.Deliver(m)
		}
	}
	s.buf = nil
	for _, e := range s.entries {
		if !e.ch.events {
			h.emitLocked("client_subscribed", e.ch.id, now)
		}
	}
	h.subscribers++
	return s, replay, nil
}

// abort drops a pending subscription without events or counts.
func (c *cluster) abort(s *Subscription) {
	if s == nil {
		return
	}
	h := c.h
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range s.entries {
		if e.idx >= 0 {
			e.ch.removeSub(e)
			if len(e.ch.subs) == 0 {
				c.forgetLocked(e.ch)
			}
		}
	}
	s.entries, s.live, s.buf, s.done = nil, 0, nil, true
}

// forgetLocked drops a local channel that lost its last local subscriber;
// the broker subscription goes at the next heartbeat.
func (c *cluster) forgetLocked(ch *Channel) {
	if c.h.channels[ch.id] == ch {
		delete(c.h.channels, ch.id)
	}
}

// delete is DeleteChannels in cluster mode.
func (c *cluster) delete(ids []string, text []byte) (int, error) {
	n := 0
	for _, id := range ids {
		if c.h.IsEventsChannel(id) {
			continue
		}
		ctx, cancel := bctx()
		existed, err := c.b.Delete(ctx, id, text)
		cancel()
		if err != nil {
			return n, unavailable("delete", id, err)
		}
		c.markEnsured(id, false)
		if existed {
			n++
			c.deleteLocal(id, text)
			c.emit("channel_destroyed", id)
		}
	}
	return n, nil
}

// deleteLocal sends the id -2 message to the local subscribers of id.
func (c *cluster) deleteLocal(id string, text []byte) {
	c.markEnsured(id, false)
	h := c.h
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.channels[id]
	if ch == nil {
		return
	}
	now := h.nowUnix()
	m := &Message{ID: IDDeleted, Channel: id, Text: text}
	for _, e := range append([]*subEntry(nil), ch.subs...) {
		h.unsubscribeLocked(e, now)
		if e.s.pending {
			keep := e.s.buf[:0]
			for _, bm := range e.s.buf {
				if bm.Channel != id {
					keep = append(keep, bm)
				}
			}
			e.s.buf = keep
		}
		e.s.sub.ChannelDeleted(m, e.s.live)
	}
	c.forgetLocked(ch)
}

func (c *cluster) localSubs(id string) int64 {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	if ch := c.h.channels[id]; ch != nil {
		return int64(len(ch.subs))
	}
	return 0
}

func (c *cluster) info(id string) (ChannelInfo, bool) {
	ctx, cancel := bctx()
	defer cancel()
	st, ok, err := c.b.Channel(ctx, id)
	if err != nil {
		// Redis unreachable: what this node knows.
		c.h.mu.Lock()
		defer c.h.mu.Unlock()
		if ch := c.h.channels[id]; ch != nil {
			return ch.info(), true
		}
		return ChannelInfo{}, false
	}
	if !ok {
		return ChannelInfo{}, false
	}
	return c.toInfo(st, c.localSubs(id)), true
}

func (c *cluster) toInfo(st broker.ChannelStat, local int64) ChannelInfo {
	return ChannelInfo{ID: st.ID, Published: st.LastID, Stored: st.Stored, Subscribers: st.Subscribers + local,
		Wildcard: st.Wildcard, Events: c.h.IsEventsChannel(st.ID)}
}

func (c *cluster) list(prefix string) []ChannelInfo {
	ctx, cancel := bctx()
	defer cancel()
	all, err := c.b.Channels(ctx)
	if err != nil {
		return nil
	}
	out := make([]ChannelInfo, 0, len(all))
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	for _, st := range all {
		if !strings.HasPrefix(st.ID, prefix) {
			continue
		}
		var local int64
		if ch := c.h.channels[st.ID]; ch != nil {
			local = int64(len(ch.subs))
		}
		out = append(out, c.toInfo(st, local))
	}
	return out
}

func (c *cluster) summary() Summary {
	ctx, cancel := bctx()
	defer cancel()
	t, _ := c.b.Totals(ctx) // zero counters while Redis is unreachable
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	return Summary{Channels: t.Channels, WildcardChannels: t.Wildcard, Published: t.Published, Stored: t.Stored,
		Subscribers: t.Subscribers + c.h.subscribers, LocalSubscribers: c.h.subscribers}
}

// emit queues a notice for the events channel; it never blocks (a full
// queue drops the notice, as a full memory budget does on one node).
func (c *cluster) emit(typ, channel string) {
	if c.events == nil || c.h.IsEventsChannel(channel) {
		return
	}
	select {
	case c.events <- [2]string{typ, channel}:
	default:
	}
}

// run is Run in cluster mode: the heartbeat, the sweep tick and the events
// publisher, until Close.
func (c *cluster) run() {
	c.startOnce.Do(func() {
		// Add must not race with close's Wait: both happen under lifeMu.
		c.lifeMu.Lock()
		defer c.lifeMu.Unlock()
		if c.events != nil && !c.closed {
			c.wg.Add(1)
			go c.publishEvents()
		}
	})
	hb := time.NewTicker(heartbeatEvery)
	defer hb.Stop()
	tick := time.NewTicker(c.h.cfg.TickInterval)
	defer tick.Stop()
	c.heartbeat()
	for {
		select {
		case <-c.done:
			return
		case <-hb.C:
			c.heartbeat()
		case <-tick.C:
			c.sweep()
		}
	}
}

// heartbeat reports this node's counts and drops broker subscriptions of
// channels without local subscribers.
func (c *cluster) heartbeat() {
	h := c.h
	h.mu.Lock()
	r := broker.NodeReport{Subscribers: h.subscribers, Channels: make(map[string]int64, len(h.channels))}
	for id, ch := range h.channels {
		if n := len(ch.subs); n > 0 {
			r.Channels[id] = int64(n)
		}
	}
	inactivity := h.cfg.ChannelInactivity
	h.mu.Unlock()
	c.pruneEnsured()
	ctx, cancel := bctx()
	_ = c.b.Report(ctx, r, inactivity)
	if ev := h.cfg.EventsChannelID; ev != "" {
		// The events channel exists from start-up and never expires.
		_, _ = c.b.Ensure(ctx, ev, false, 0, inactivity)
	}
	cancel()

	c.subMu.Lock()
	defer c.subMu.Unlock()
	for id := range c.subscribed {
		if c.localSubs(id) > 0 {
			continue
		}
		ctx, cancel := bctx()
		err := c.b.Unsubscribe(ctx, id)
		cancel()
		if err == nil {
			delete(c.subscribed, id)
		}
	}
}

// sweep destroys idle channels cluster-wide (one node per period does it).
func (c *cluster) sweep() {
	ctx, cancel := bctx()
	defer cancel()
	ids, err := c.b.Sweep(ctx, c.h.cfg.EventsChannelID)
	if err != nil {
		return
	}
	for _, id := range ids {
		c.emit("channel_destroyed", id)
	}
}

func (c *cluster) publishEvents() {
	defer c.wg.Done()
	id := c.h.cfg.EventsChannelID
	for {
		select {
		case <-c.done:
			return
		case ev := <-c.events:
			cfg := c.h.Config()
			ctx, cancel := bctx()
			_, _ = c.b.Publish(ctx, id, broker.Publish{
				Text: eventText(ev[0], ev[1]), EventType: ev[0], HasEventType: true, Store: true, // registers, no limit
				MaxStored: cfg.MaxStoredPerChannel, TTL: cfg.MessageTTL, Inactivity: cfg.ChannelInactivity,
			})
			cancel()
		}
	}
}

func (c *cluster) close() {
	c.closeOnce.Do(func() {
		c.lifeMu.Lock()
		c.closed = true
		c.lifeMu.Unlock()
		close(c.done)
		c.wg.Wait()
		_ = c.b.Close()
	})
}
