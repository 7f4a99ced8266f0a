package transport

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
)

// live is what a long-lived subscriber (streaming, eventsource, websocket)
// shares between its connection's turns (httpd.Response.Run) and the
// flushers.
//
// mu is held during the start and every turn, so a flusher (which only
// TryLocks) never writes while the connection does.
type live struct {
	mu       sync.Mutex
	hub      *hub.Hub
	box      *mailbox
	sub      *hub.Subscription
	done     bool
	ping     time.Duration
	endAt    time.Time    // the connection ttl (zero: none)
	lastLive atomic.Int64 // UnixNano of the last live write: restarts the ping interval
}

// open takes mu for the start and creates the mailbox that the hub fills;
// direct is the flusher's non-blocking writer. The caller releases mu when
// the start is over.
func (l *live) open(h *hub.Hub, wake func(), direct func() bool) {
	l.mu.Lock()
	l.hub = h
	l.box = newMailbox(wake)
	l.box.useFlusher(direct)
}

// end leaves the channels and marks the subscriber finished (flushers
// leave it alone); it runs once the response is over (OnDone).
func (l *live) end() {
	l.leave()
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}

// leave detaches from the hub (again is harmless). An ending subscriber
// leaves before its last bytes go out, so that a client which has read
// them (the deleted-channel message, the footer) and then asks for the
// statistics no longer finds itself counted (publisher.md §6).
func (l *live) leave() {
	if l.sub != nil {
		l.hub.Detach(l.sub)
	}
}

// startClock starts the ttl and ping intervals.
func (l *live) startClock(ttl time.Duration) {
	now := time.Now()
	if ttl > 0 {
		l.endAt = now.Add(ttl)
	}
	l.touch(now)
}

// wait is when the next turn is due without an event.
func (l *live) wait() time.Time { return earliest(l.endAt, l.nextPing()) }

// touch records a live write.
func (l *live) touch(t time.Time) { l.lastLive.Store(t.UnixNano()) }

// nextPing is when the next ping is due (zero: no pings).
func (l *live) nextPing() time.Time {
	if l.ping <= 0 {
		return time.Time{}
	}
	return time.Unix(0, l.lastLive.Load()).Add(l.ping)
}

// timeout tells, after an EventTimeout, whether the connection ttl is over
// or a ping is due.
func (l *live) timeout() (ended, ping bool) {
	now := time.Now()
	if end := l.endAt; !end.IsZero() && !now.Before(end) {
		return true, false
	}
	next := l.nextPing()
	return false, !next.IsZero() && !now.Before(next)
}

// session is what differs between the live modes (streaming and
// eventsource, websocket); turn is the step they share.
type session interface {
	onClientData() bool          // the client sent bytes; false ends
	queueMessage(m *hub.Message) // add m to the next write
	writeQueued() bool           // write what is queued, or output left pending
	sendPing() bool
	finish() // footer, then the end of the response
	stopped() bool
}

// turn is one step (httpd.Step) of a live subscriber: act on ev, then write
// everything the mailbox holds in one go. Runs under mu.
func (l *live) turn(s session, ev httpd.Event) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev {
	case httpd.EventClosed:
		return time.Time{}, false
	case httpd.EventData:
		if !s.onClientData() {
			return time.Time{}, false
		}
	case httpd.EventTimeout:
		ended, ping := l.timeout()
		if ended {
			l.leave()
			s.finish()
			return time.Time{}, false
		}
		if ping {
			if !s.sendPing() {
				return time.Time{}, false
			}
			l.touch(time.Now())
		}
	}
	items, over := l.box.drain()
	if over {
		return time.Time{}, false // cut: the subscriber fell too far behind
	}
	ended := false
	for _, it := range items {
		s.queueMessage(it.m)
		if it.deleted && it.remaining == 0 {
			ended = true // the channel was deleted: its footer ends us
			break
		}
		if !it.deleted {
			l.touch(time.Now())
		}
	}
	last := ended || s.stopped()
	if last {
		l.leave() // before the last bytes go out
	}
	if !s.writeQueued() {
		return time.Time{}, false
	}
	if last {
		s.finish()
		return time.Time{}, false
	}
	return l.wait(), true
}

// takeDirect is the flusher's side: when the connection is waiting
// and begin (which takes the socket) succeeds, it returns the queued plain
// messages with mu held; the caller writes them, then calls end and
// l.mu.Unlock. ok false: nothing was taken, wake the goroutine instead.
func (l *live) takeDirect(begin func() bool, end func()) (items []item, ok bool) {
	if !l.mu.TryLock() {
		return nil, false
	}
	if l.done || !begin() {
		l.mu.Unlock()
		return nil, false
	}
	if items, ok = l.box.drainPlain(); !ok {
		end()
		l.mu.Unlock()
		return nil, false
	}
	return items, true
}
