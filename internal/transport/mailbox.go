package transport

import (
	"sync"

	"github.com/pushstream/pushstream/internal/hub"
)

// DefaultMailboxSize bounds the messages waiting for one subscriber; a
// subscriber that falls further behind is disconnected (DESIGN.md).
const DefaultMailboxSize = 4096

// item is one event for a subscriber.
type item struct {
	m         *hub.Message
	deleted   bool // m is the id -2 message of a deleted channel
	remaining int  // with deleted: channels still subscribed
}

// mailbox implements hub.Subscriber: the hub appends under its lock; the
// connection goroutine or a flusher drains. Nothing here blocks.
type mailbox struct {
	mu        sync.Mutex
	items     []item
	spare     []item
	max       int
	overflow  bool
	scheduled bool  // queued on a flusher
	cut       bool  // the overflow was counted (metrics.go)
	since     int64 // when the queue became non-empty (metrics.go)

	wake func() // wakes the connection goroutine
	// direct, when set, writes plain queued messages from a flusher without
	// blocking; false means the connection goroutine must be woken.
	direct  func() bool
	flusher *flusher
}

func newMailbox(wake func()) *mailbox {
	return &mailbox{max: DefaultMailboxSize, wake: wake}
}

// useFlusher routes plain live messages through a flusher calling direct.
func (b *mailbox) useFlusher(direct func() bool) {
	b.direct = direct
	b.flusher = pickFlusher()
}

// Deliver queues a live message.
func (b *mailbox) Deliver(m *hub.Message) { b.push(item{m: m}) }

// ChannelDeleted queues the deletion of one subscribed channel.
func (b *mailbox) ChannelDeleted(m *hub.Message, remaining int) {
	b.push(item{m: m, deleted: true, remaining: remaining})
}

func (b *mailbox) push(it item) {
	b.mu.Lock()
	if len(b.items) >= b.max {
		b.overflow = true
		b.noteDropped()
	} else {
		b.noteQueued()
		b.items = append(b.items, it)
	}
	viaFlusher := b.direct != nil && !it.deleted && !b.overflow
	schedule := viaFlusher && !b.scheduled
	if schedule {
		b.scheduled = true
	}
	b.mu.Unlock()
	switch {
	case !viaFlusher:
		b.wake()
	case schedule:
		b.flusher.schedule(b)
	}
}

// flush runs on a flusher.
func (b *mailbox) flush() {
	b.mu.Lock()
	b.scheduled = false
	b.mu.Unlock()
	if !b.direct() {
		b.wake()
	}
}

// drain returns the queued items (valid until the next drain) and whether
// the subscriber overflowed.
func (b *mailbox) drain() ([]item, bool) {
	b.mu.Lock()
	clear(b.spare)
	items := b.items
	b.items = b.spare[:0]
	b.spare = items
	over := b.overflow
	b.noteDrained(len(items), over)
	b.mu.Unlock()
	return items, over
}

// drainPlain is drain for a flusher: it takes the items only when all are
// plain live messages; otherwise it leaves them for the connection goroutine.
func (b *mailbox) drainPlain() ([]item, bool) {
	b.mu.Lock()
	if b.overflow {
		b.mu.Unlock()
		return nil, false
	}
	for _, it := range b.items {
		if it.deleted {
			b.mu.Unlock()
			return nil, false
		}
	}
	clear(b.spare)
	items := b.items
	b.items = b.spare[:0]
	b.spare = items
	b.noteDrained(len(items), false)
	b.mu.Unlock()
	return items, true
}
