package hub

import "time"

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
