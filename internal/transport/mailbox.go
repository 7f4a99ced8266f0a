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

// mailbox implements hub.Subscriber: the hub appends under its lock, the
// connection goroutine drains. wake must not block.
type mailbox struct {
	mu       sync.Mutex
	items    []item
	spare    []item
	max      int
	overflow bool
	wake     func()
}

func newMailbox(wake func()) *mailbox {
	return &mailbox{max: DefaultMailboxSize, wake: wake}
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
	} else {
		b.items = append(b.items, it)
	}
	b.mu.Unlock()
	b.wake()
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
	b.mu.Unlock()
	return items, over
}
