package transport

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushstream/pushstream/internal/httpd"
)

// live is what a long-lived subscriber (streaming, eventsource, websocket)
// shares between its connection goroutine and the flushers.
//
// mu is held by the connection goroutine whenever it is not parked, so a
// flusher (which only TryLocks) never writes while the goroutine does.
type live struct {
	mu       sync.Mutex
	box      *mailbox
	done     bool
	ping     time.Duration
	lastLive atomic.Int64 // UnixNano of the last live write: restarts the ping interval
}

// open takes mu for the connection goroutine and creates the mailbox that
// the hub fills; direct is the flusher's non-blocking writer.
func (l *live) open(wake func(), direct func() bool) {
	l.mu.Lock()
	l.box = newMailbox(wake)
	l.box.useFlusher(direct)
}

// close marks the subscriber finished (flushers leave it alone) and
// releases mu; defer it right after open.
func (l *live) close() {
	l.done = true
	l.mu.Unlock()
}

// touch records a live write.
func (l *live) touch(t time.Time) { l.lastLive.Store(t.UnixNano()) }

// nextPing is when the next ping is due (zero: no pings).
func (l *live) nextPing() time.Time {
	if l.ping <= 0 {
		return time.Time{}
	}
	return time.Unix(0, l.lastLive.Load()).Add(l.ping)
}

// park releases mu while the connection goroutine waits.
func (l *live) park(park func(time.Time) (httpd.Event, error), end time.Time) httpd.Event {
	l.mu.Unlock()
	ev, _ := park(earliest(end, l.nextPing()))
	l.mu.Lock()
	return ev
}

// timeout tells, after an EventTimeout, whether the connection ttl is over
// or a ping is due.
func (l *live) timeout(end time.Time) (ended, ping bool) {
	now := time.Now()
	if !end.IsZero() && !now.Before(end) {
		return true, false
	}
	next := l.nextPing()
	return false, !next.IsZero() && !now.Before(next)
}

// takeDirect is the flusher's side: when the connection goroutine is parked
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
