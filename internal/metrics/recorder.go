package metrics

import (
	"sync/atomic"
	"time"

	"github.com/pushstream/pushstream/internal/config"
)

// modes is the number of config.SubscriberMode values.
const modes = int(config.ModeWebSocket) + 1

// Recorder holds the counters updated while serving. Every method is safe
// for concurrent use, cheap (atomic adds, no label lookups) and works on a
// nil *Recorder (no-op), so tests can run the transports without metrics.
type Recorder struct {
	subscribers [modes]atomic.Int64
	delivered   atomic.Uint64
	dropped     atomic.Uint64
	slowCut     atomic.Uint64
	reloadOK    atomic.Uint64
	reloadFail  atomic.Uint64
	latency     histogram
}

// Default is the recorder of the process: one pushstream process is one
// server, and the transports reach it without any plumbing.
var Default = &Recorder{}

// SubscriberStarted counts a subscriber of mode as connected; call the
// returned function when it ends.
func (r *Recorder) SubscriberStarted(mode config.SubscriberMode) (done func()) {
	if r == nil || int(mode) < 0 || int(mode) >= modes {
		return func() {}
	}
	g := &r.subscribers[mode]
	g.Add(1)
	return func() { g.Add(-1) }
}

// Delivered counts n live messages handed to a subscriber's writer.
func (r *Recorder) Delivered(n int) {
	if r != nil && n > 0 {
		r.delivered.Add(uint64(n))
	}
}

// Dropped counts a message a subscriber did not get because its queue was
// full.
func (r *Recorder) Dropped() {
	if r != nil {
		r.dropped.Add(1)
	}
}

// SlowSubscriberCut counts a subscriber disconnected for falling behind.
func (r *Recorder) SlowSubscriberCut() {
	if r != nil {
		r.slowCut.Add(1)
	}
}

// Reloaded counts a configuration reload attempt.
func (r *Recorder) Reloaded(ok bool) {
	if r == nil {
		return
	}
	if ok {
		r.reloadOK.Add(1)
	} else {
		r.reloadFail.Add(1)
	}
}

// ObserveLatency records the delay between a message reaching a
// subscriber's queue and its writer picking it up.
func (r *Recorder) ObserveLatency(d time.Duration) {
	if r != nil {
		r.latency.observe(d)
	}
}

// Snapshot is a copy of a Recorder's values (tests, logs).
type Snapshot struct {
	Subscribers       map[string]int64 // by mode name
	Delivered         uint64
	Dropped           uint64
	SlowSubscriberCut uint64
	LatencyCount      uint64
}

// Snapshot reads every counter.
func (r *Recorder) Snapshot() Snapshot {
	s := Snapshot{Subscribers: map[string]int64{}}
	for m := range modes {
		s.Subscribers[config.SubscriberMode(m).String()] = r.subscribers[m].Load()
	}
	s.Delivered = r.delivered.Load()
	s.Dropped = r.dropped.Load()
	s.SlowSubscriberCut = r.slowCut.Load()
	s.LatencyCount = r.latency.count.Load()
	return s
}

// epoch anchors Now: monotonic nanoseconds fit in an int64 field, smaller
// than a time.Time in every subscriber queue.
var epoch = time.Now()

// Now is a monotonic clock reading in nanoseconds, for ObserveLatency's
// callers to stamp queue entries cheaply.
func Now() int64 { return int64(time.Since(epoch)) }

// Since is the duration since a Now reading.
func Since(t int64) time.Duration { return time.Duration(Now() - t) }
