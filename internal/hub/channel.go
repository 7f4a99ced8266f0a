package hub

// channelState is where a channel is in its lifecycle (spec README §1).
type channelState uint8

const (
	stateActive   channelState = iota
	stateInDelete              // deleted by an admin, waiting for the next tick
	stateTrash                 // in the channel trash until its deadline
)

// Channel is one channel. All fields are guarded by Hub.mu.
type Channel struct {
	id       string
	wildcard bool
	events   bool
	state    channelState

	lastID  int64
	stored  []*Message // FIFO, oldest first
	expires int64      // Unix seconds: inactivity deadline
	subs    []*subEntry
	trashAt int64 // deadline in the channel trash

	orderIdx int // position in Hub.order while active

	// cluster mode: the newest (time, tag) this node delivered or found in
	// the history, and the catch-up window after a broker reconnect.
	lastTime, lastTag   int64
	catching            bool
	catchTime, catchTag int64
}

// subEntry is one subscription of one subscriber to one channel.
type subEntry struct {
	s   *Subscription
	ch  *Channel
	idx int // position in ch.subs
}

func (c *Channel) addSub(e *subEntry) {
	e.idx = len(c.subs)
	c.subs = append(c.subs, e)
}

func (c *Channel) removeSub(e *subEntry) {
	last := len(c.subs) - 1
	if e.idx < 0 || e.idx > last || c.subs[e.idx] != e {
		return
	}
	c.subs[e.idx] = c.subs[last]
	c.subs[e.idx].idx = e.idx
	c.subs[last] = nil
	c.subs = c.subs[:last]
	e.idx = -1
}

// ChannelInfo is a snapshot of one channel's counters.
type ChannelInfo struct {
	ID          string
	Published   int64 // last message id
	Stored      int64
	Subscribers int64
	Wildcard    bool
	Events      bool
}

func (c *Channel) info() ChannelInfo {
	return ChannelInfo{
		ID:          c.id,
		Published:   c.lastID,
		Stored:      int64(len(c.stored)),
		Subscribers: int64(len(c.subs)),
		Wildcard:    c.wildcard,
		Events:      c.events,
	}
}
