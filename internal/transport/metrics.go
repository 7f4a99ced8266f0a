package transport

import "github.com/pushstream/pushstream/internal/metrics"

// Metrics hooks of the mailbox, called with b.mu held: atomic adds and at
// most one clock read per wake, never per message and subscriber.

// noteQueued stamps the moment the queue became non-empty (the latency
// histogram measures from there to the drain).
func (b *mailbox) noteQueued() {
	if len(b.items) == 0 {
		b.since = metrics.Now()
	}
}

// noteDropped counts a message lost to a full queue.
func (b *mailbox) noteDropped() { metrics.Default.Dropped() }

// noteDrained counts n messages handed to a writer, or the subscriber cut
// once for overflowing.
func (b *mailbox) noteDrained(n int, over bool) {
	if over {
		if !b.cut {
			b.cut = true
			metrics.Default.SlowSubscriberCut()
		}
		return
	}
	if n > 0 {
		metrics.Default.Delivered(n)
		metrics.Default.ObserveLatency(metrics.Since(b.since))
	}
}
