package transport

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Flushers write live messages to subscribers on behalf of their
// connection goroutines: a publish only queues into mailboxes and marks
// them dirty; a flusher then does one non-blocking write per dirty
// subscriber, carrying every message queued since the last one (so a
// subscriber that fell behind catches up in one syscall). Connection
// goroutines stay parked; they are woken only for what a flusher cannot do
// (a socket that is full, a deleted channel, an overflow, a subscriber
// that is busy).
type flusher struct {
	mu     sync.Mutex
	dirty  []*mailbox
	spare  []*mailbox
	signal chan struct{}

	quietUntil time.Time // only the flusher's goroutine uses it
}

// yieldEvery lets publishers run between batches of direct writes.
const yieldEvery = 64

var (
	flushersOnce sync.Once
	flushers     []*flusher
	flusherNext  atomic.Uint32
)

func startFlushers() {
	n := runtime.GOMAXPROCS(0)
	flushers = make([]*flusher, n)
	for i := range flushers {
		f := &flusher{signal: make(chan struct{}, 1)}
		flushers[i] = f
		go f.run()
	}
}

// pickFlusher spreads mailboxes over the flushers.
func pickFlusher() *flusher {
	flushersOnce.Do(startFlushers)
	return flushers[int(flusherNext.Add(1))%len(flushers)]
}

func (f *flusher) schedule(b *mailbox) {
	f.mu.Lock()
	f.dirty = append(f.dirty, b)
	f.mu.Unlock()
	select {
	case f.signal <- struct{}{}:
	default:
	}
}

// yield lets the scheduler poll the network between batches: a bare
// Gosched would run the next runnable goroutine without looking at the
// poller, so on one P the publishers would wait for the whole fan-out and
// nothing would coalesce. A timer sleep makes the P idle for a moment, and
// an idle P polls. When nothing was waiting, the sleep lasts as long as the
// poller's timer granularity (about 1 ms): then yielding only adds latency,
// so the flusher stops yielding for a while (quiet).
func (f *flusher) yield() {
	now := time.Now()
	if now.Before(f.quietUntil) {
		return
	}
	time.Sleep(time.Microsecond)
	if time.Since(now) > lateYield {
		f.quietUntil = time.Now().Add(quietFor)
	}
}

const (
	lateYield = 200 * time.Microsecond
	quietFor  = 50 * time.Millisecond
)

func (f *flusher) run() {
	for range f.signal {
		for {
			f.mu.Lock()
			list := f.dirty
			f.dirty = f.spare[:0]
			f.spare = list
			f.mu.Unlock()
			if len(list) == 0 {
				break
			}
			for i, b := range list {
				b.flush()
				list[i] = nil
				if i%yieldEvery == yieldEvery-1 {
					f.yield()
				}
			}
		}
	}
}
