package hub

// Subscriber receives what happens on the channels it subscribed to. The hub
// calls these methods with its lock held: they must only queue and wake.
type Subscriber interface {
	// Deliver hands over a live message of a subscribed channel.
	Deliver(m *Message)
	// ChannelDeleted hands over the id -2 message of a subscribed channel that
	// an admin deleted; the subscription to it is already gone. remaining is
	// the number of channels the subscriber is still subscribed to.
	ChannelDeleted(m *Message, remaining int)
}

// Want is one element of a subscriber's channels path.
type Want struct {
	ID        string
	Backtrack int // 0 = none
}

// ReplayPoint is the request's control values (subscriber.md §2).
type ReplayPoint struct {
	Time       int64 // -1 = absent
	Tag        int64 // -1 = absent
	EventID    string
	HasEventID bool
}

// NoReplayPoint is a ReplayPoint with nothing set.
var NoReplayPoint = ReplayPoint{Time: -1, Tag: -1}

// AttachMode says whether Attach registers a subscription.
type AttachMode int

const (
	// AttachLive always subscribes (streaming, eventsource, websocket).
	AttachLive AttachMode = iota
	// AttachIfIdle subscribes only when nothing is replayed (long-polling).
	AttachIfIdle
	// AttachNone never subscribes (polling).
	AttachNone
)

// Subscription is one subscriber's set of channel subscriptions.
type Subscription struct {
	sub     Subscriber
	entries []*subEntry
	live    int
	done    bool
	// cluster mode: while the history is read, live messages wait in buf.
	pending bool
	buf     []*Message
}

// Attach computes each wanted channel's replay (subscriber.md §3) and, as
// mode says, registers sub on all of them in the same critical section, so
// no message falls between the replay and the live stream. Missing channels
// are created. replay[i] belongs to wants[i].
func (h *Hub) Attach(sub Subscriber, wants []Want, p ReplayPoint, mode AttachMode) (*Subscription, [][]*Message, error) {
	if h.cl != nil {
		return h.cl.attach(sub, wants, p, mode)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.nowUnix()
	chans := make([]*Channel, len(wants))
	for i, w := range wants {
		ch := h.channels[w.ID]
		if ch == nil {
			var err error
			if ch, err = h.createLocked(w.ID, now); err != nil {
				return nil, nil, err
			}
		}
		chans[i] = ch
	}
	replay := make([][]*Message, len(wants))
	any := false
	for i, ch := range chans {
		replay[i] = replayFrom(ch.stored, wants[i].Backtrack, p, now)
		if len(replay[i]) > 0 {
			any = true
		}
	}
	if mode == AttachNone || (mode == AttachIfIdle && any) {
		return nil, replay, nil
	}
	// Charge presence for channels gaining their first subscriber; undo on failure.
	var charged int64
	seen := make(map[*Channel]bool, len(chans))
	for _, ch := range chans {
		if len(ch.subs) == 0 && !seen[ch] {
			seen[ch] = true
			if !h.charge(chargePresence) {
				h.release(charged)
				return nil, nil, ErrNoMemory
			}
			charged += chargePresence
		}
	}
	s := &Subscription{sub: sub, entries: make([]*subEntry, 0, len(chans))}
	for _, ch := range chans {
		e := &subEntry{s: s, ch: ch}
		ch.addSub(e)
		s.entries = append(s.entries, e)
		s.live++
		h.touchLocked(ch, now)
		if !ch.events {
			h.emitLocked("client_subscribed", ch.id, now)
		}
	}
	h.subscribers++
	return s, replay, nil
}

// replayFrom returns the stored messages (oldest first) that a subscriber
// with backtrack b and replay point p must receive.
func replayFrom(stored []*Message, b int, p ReplayPoint, now int64) []*Message {
	if len(stored) == 0 {
		return nil
	}
	if b > 0 {
		n := len(stored)
		if b < n {
			n = b
		}
		return liveOnly(stored[len(stored)-n:], now)
	}
	if !p.HasEventID && p.Time < 0 {
		return nil
	}
	var out []*Message
	started := false
	for _, m := range stored {
		if started {
			out = append(out, m)
			continue
		}
		if p.HasEventID && m.HasEventID && m.EventID == p.EventID {
			started = true
			continue
		}
		if p.Time >= 0 && (m.Time > p.Time || (m.Time == p.Time && p.Tag >= 0 && m.Tag >= p.Tag)) {
			started = true
			if m.Time == p.Time && m.Tag == p.Tag {
				continue
			}
			out = append(out, m)
		}
	}
	return liveOnly(out, now)
}

// liveOnly drops messages that expired but that the tick has not removed yet.
func liveOnly(ms []*Message, now int64) []*Message {
	out := make([]*Message, 0, len(ms))
	for _, m := range ms {
		if m.Expires == 0 || m.Expires > now {
			out = append(out, m)
		}
	}
	return out
}

// Detach removes every remaining subscription of s. It is idempotent.
func (h *Hub) Detach(s *Subscription) {
	if s == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	now := h.nowUnix()
	for _, e := range s.entries {
		if e.idx < 0 {
			continue
		}
		h.unsubscribeLocked(e, now)
	}
	s.entries = nil
	s.live = 0
	h.subscribers = dec(h.subscribers)
}

// unsubscribeLocked removes one subscription entry from its channel.
func (h *Hub) unsubscribeLocked(e *subEntry, now int64) {
	ch := e.ch
	ch.removeSub(e)
	e.s.live--
	if len(ch.subs) == 0 {
		if h.cl != nil {
			h.cl.forgetLocked(ch)
		} else {
			h.release(chargePresence)
		}
	}
	if !ch.events {
		h.emitLocked("client_unsubscribed", ch.id, now)
	}
}
