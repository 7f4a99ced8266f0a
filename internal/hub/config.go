package hub

import (
	"time"

	"github.com/pushstream/pushstream/internal/broker"
)

// Config holds the http-level limits and timings the hub enforces.
type Config struct {
	MemoryBudget             int64 // bytes; 0 = unlimited
	ChannelInactivity        time.Duration
	MessageTTL               time.Duration
	MaxSubscribersPerChannel int // 0 = no limit
	MaxStoredPerChannel      int // 0 = no limit
	MaxChannels              int // 0 = no limit
	MaxWildcardChannels      int // 0 = no limit
	WildcardPrefix           string
	EventsChannelID          string
	// TickInterval is the maintenance period (4 s in production).
	TickInterval time.Duration
	// TrashDelay is how long trashed channels and messages are kept (10 s).
	TrashDelay time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Broker, when set, holds the channels, ids, history and counts that
	// several nodes share (cluster mode); nil keeps them in this hub, with
	// the memory budget and trash of limits.md. The hub owns it: Close
	// closes it.
	Broker broker.Broker
}

// Memory charges (limits.md §2). They are calibration constants: the
// acceptance tests fill a zone and compare counts, so they must not change.
const (
	chargeChannel  = 270
	chargeMessage  = 168
	chargePresence = 400
)

func (c *Config) defaults() {
	if c.TickInterval <= 0 {
		c.TickInterval = 4 * time.Second
	}
	if c.TrashDelay <= 0 {
		c.TrashDelay = 10 * time.Second
	}
	if c.ChannelInactivity <= 0 {
		c.ChannelInactivity = 30 * time.Second
	}
	if c.MessageTTL <= 0 {
		c.MessageTTL = 30 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Reconfigure applies the limits and timings of a reloaded configuration.
// Only the reloadable fields are written: the memory budget, the events
// channel, the wildcard prefix, the tick and trash timings, the clock and
// the broker keep their start-up values (config.md §1: the zone size cannot
// change without a restart), and several of them are read without the lock,
// so they must not be rewritten even with the same value.
func (h *Hub) Reconfigure(c Config) {
	c.defaults()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg.ChannelInactivity = c.ChannelInactivity
	h.cfg.MessageTTL = c.MessageTTL
	h.cfg.MaxSubscribersPerChannel = c.MaxSubscribersPerChannel
	h.cfg.MaxStoredPerChannel = c.MaxStoredPerChannel
	h.cfg.MaxChannels = c.MaxChannels
	h.cfg.MaxWildcardChannels = c.MaxWildcardChannels
}
