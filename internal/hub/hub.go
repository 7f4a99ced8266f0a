package hub

import (
	"strings"
	"sync"
	"time"
)

// Hub is the in-memory home of every channel.
type Hub struct {
	cfg Config

	mu       sync.Mutex
	channels map[string]*Channel // active channels by id
	order    []*Channel          // active channels in creation order (nil holes)
	holes    int
	deleting []*Channel // state in delete
	chTrash  []*Channel
	msgTrash []trashedMessage

	memUsed int64

	nChannels, nWildcard int64
	published            int64 // summary published_messages (events channel excluded)
	storedTotal          int64 // summary stored_messages (events channel excluded)
	subscribers          int64 // connected subscriber requests

	tagSecond int64
	tagCount  int64

	events *Channel
	cl     *cluster // non-nil in cluster mode (Config.Broker set)

	stop     chan struct{}
	stopOnce sync.Once
	started  time.Time
}

// trashedMessage is the memory-budget record of a message in the trash. It
// keeps the charge, not the message: the bytes are the Go runtime's to
// reclaim at once, while the budget (limits.md §2) is given back only when
// the trash deadline passes.
type trashedMessage struct {
	charge   int64
	deadline int64
}

// New builds a hub and creates the events channel; Run starts its tick.
func New(cfg Config) *Hub {
	cfg.defaults()
	h := &Hub{
		cfg:      cfg,
		channels: make(map[string]*Channel),
		stop:     make(chan struct{}),
	}
	h.started = cfg.Now()
	if cfg.Broker != nil {
		h.cl = newCluster(h, cfg.Broker)
		return h
	}
	if cfg.EventsChannelID != "" {
		h.mu.Lock()
		ch, _ := h.createLocked(cfg.EventsChannelID, h.nowUnix())
		if ch != nil {
			ch.events = true
			h.events = ch
		}
		h.mu.Unlock()
	}
	return h
}

// Config returns the hub's configuration.
func (h *Hub) Config() Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

func (h *Hub) nowUnix() int64 { return h.cfg.Now().Unix() }

// isWildcard reports whether id names a wildcard channel.
func (h *Hub) isWildcard(id string) bool {
	return h.cfg.WildcardPrefix != "" && strings.HasPrefix(id, h.cfg.WildcardPrefix)
}

// IsEventsChannel reports whether id is the events channel.
func (h *Hub) IsEventsChannel(id string) bool {
	return h.cfg.EventsChannelID != "" && id == h.cfg.EventsChannelID
}

// IsWildcard reports whether id is a wildcard channel id.
func (h *Hub) IsWildcard(id string) bool { return h.isWildcard(id) }

func (h *Hub) charge(n int64) bool {
	if h.cfg.MemoryBudget > 0 && h.memUsed+n > h.cfg.MemoryBudget {
		return false
	}
	h.memUsed += n
	return true
}

func (h *Hub) release(n int64) {
	h.memUsed -= n
	if h.memUsed < 0 {
		h.memUsed = 0
	}
}

// MemoryUsed returns the bytes charged to the budget.
func (h *Hub) MemoryUsed() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.memUsed
}

// createLocked creates channel id. It enforces the channel limits and the
// memory budget and emits channel_created.
func (h *Hub) createLocked(id string, now int64) (*Channel, error) {
	wild := h.isWildcard(id)
	if wild {
		if h.cfg.MaxWildcardChannels > 0 && h.nWildcard >= int64(h.cfg.MaxWildcardChannels) {
			return nil, ErrTooManyChannels
		}
	} else if h.cfg.MaxChannels > 0 && h.nChannels >= int64(h.cfg.MaxChannels) {
		return nil, ErrTooManyChannels
	}
	if !h.charge(int64(chargeChannel + len(id))) {
		return nil, ErrNoMemory
	}
	ch := &Channel{
		id:       id,
		wildcard: wild,
		expires:  now + int64(h.cfg.ChannelInactivity/time.Second),
		orderIdx: len(h.order),
	}
	h.channels[id] = ch
	h.order = append(h.order, ch)
	if wild {
		h.nWildcard++
	} else {
		h.nChannels++
	}
	h.emitLocked("channel_created", id, now)
	return ch, nil
}

// removeActiveLocked takes ch out of the active set.
func (h *Hub) removeActiveLocked(ch *Channel) {
	if h.channels[ch.id] == ch {
		delete(h.channels, ch.id)
	}
	if ch.orderIdx >= 0 && ch.orderIdx < len(h.order) && h.order[ch.orderIdx] == ch {
		h.order[ch.orderIdx] = nil
		h.holes++
	}
	ch.orderIdx = -1
	if ch.wildcard {
		h.nWildcard = dec(h.nWildcard)
	} else {
		h.nChannels = dec(h.nChannels)
	}
}

// maybeCompactLocked drops the holes of h.order when they are many. Never
// call it while ranging over h.order.
func (h *Hub) maybeCompactLocked() {
	if h.holes > 64 && h.holes > len(h.order)/2 {
		h.compactOrderLocked()
	}
}

func (h *Hub) compactOrderLocked() {
	out := h.order[:0]
	for _, c := range h.order {
		if c != nil {
			c.orderIdx = len(out)
			out = append(out, c)
		}
	}
	for i := len(out); i < len(h.order); i++ {
		h.order[i] = nil
	}
	h.order = out
	h.holes = 0
}

func dec(v int64) int64 {
	if v > 0 {
		return v - 1
	}
	return 0
}

// touchLocked pushes the channel's inactivity deadline.
func (h *Hub) touchLocked(ch *Channel, now int64) {
	ch.expires = now + int64(h.cfg.ChannelInactivity/time.Second)
}

// nextTagLocked returns the server-wide per-second tag for a message
// published at now.
func (h *Hub) nextTagLocked(now int64) int64 {
	if now != h.tagSecond {
		h.tagSecond = now
		h.tagCount = 0
	}
	h.tagCount++
	return h.tagCount
}

// Uptime returns the time since the hub started.
func (h *Hub) Uptime() time.Duration { return h.cfg.Now().Sub(h.started) }
