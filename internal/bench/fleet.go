//go:build linux

package bench

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// fleet is the set of subscribers of a scenario, read by a few event loops.
type fleet struct {
	o     *Options
	r     *run
	subs  []*subscriber
	byCh  [][]*subscriber
	loops []*evloop
	procs int // GOMAXPROCS to restore on stop, 0 if unchanged
}

// dialWorkers bounds concurrent connection setups.
const dialWorkers = 8

// startFleet connects n subscribers, subscriber i on channel chOf(i), each
// checking publishers 0..pubs-1 with sequence numbers up to maxSeq, then
// starts the event loops that read them.
func startFleet(o *Options, r *run, n int, chOf func(int) int, pubs int, maxSeq int64) (*fleet, error) {
	f := &fleet{o: o, r: r, subs: make([]*subscriber, n), byCh: make([][]*subscriber, o.Channels)}
	for i := range f.subs {
		ch := chOf(i)
		s := newSubscriber(o, r, i, ch, NewChecker(pubs, maxSeq))
		f.subs[i] = s
		f.byCh[ch] = append(f.byCh[ch], s)
	}
	if err := f.dialAll(); err != nil {
		f.stop()
		return nil, fmt.Errorf("connect subscribers: %w", err)
	}
	// Answers that arrived meanwhile wait in the socket buffers.
	if err := f.startLoops(); err != nil {
		f.stop()
		return nil, err
	}
	return f, nil
}

func (f *fleet) dialAll() error {
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var dialers sync.WaitGroup
	n := len(f.subs)
	for w := 0; w < dialWorkers; w++ {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f.subs[i].dial(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the other dialers
					return
				}
			}
		}()
	}
	dialers.Wait()
	return firstErr
}

// startLoops spreads the subscribers over o.Loops event loops. Each loop
// blocks in epoll_wait on its own thread, so GOMAXPROCS gets one more P than
// there are loops: the publishers and the coordinator run on it and are
// never starved by a busy loop. Every loop made is started, even after an
// error, so that stop is the one way to end them.
func (f *fleet) startLoops() error {
	var err error
	for range f.o.Loops {
		var l *evloop
		if l, err = newEvloop(f.o.ReadBuf, f.o.Spin); err != nil {
			break
		}
		f.loops = append(f.loops, l)
	}
	for i, s := range f.subs {
		if err != nil {
			break
		}
		err = f.loops[i%len(f.loops)].add(s)
	}
	if runtime.GOMAXPROCS(0) < len(f.loops)+1 {
		f.procs = runtime.GOMAXPROCS(len(f.loops) + 1)
	}
	for _, l := range f.loops {
		l.start()
	}
	return err
}

// stop ends the loops, which close every connection; afterwards the
// subscribers' checkers and timestamps may be read.
func (f *fleet) stop() {
	for _, l := range f.loops {
		l.stop()
	}
	for _, s := range f.subs {
		if s.loop == nil && s.fd >= 0 { // dialled but never handed to a loop
			syscall.Close(s.fd)
			s.fd = -1
		}
	}
	if f.procs > 0 {
		runtime.GOMAXPROCS(f.procs)
		f.procs = 0
	}
}

// firstError returns an error that ended a subscriber early, if any; only
// valid after stop.
func (f *fleet) firstError() error {
	for _, s := range f.subs {
		if s != nil && s.err != nil {
			return s.err
		}
	}
	return nil
}

var errSubscriberFailed = errors.New("a subscriber connection failed")

// waitReady publishes probes (sequence 0) to every channel that still has a
// subscriber without one, until every subscriber saw a probe: only then is
// it surely registered on the server and no real message can be missed.
func (f *fleet) waitReady(p *publisher) error {
	n := int64(len(f.subs))
	deadline := time.Now().Add(f.o.Timeout)
	for {
		if f.r.ready.Load() == n {
			return nil
		}
		if f.r.errors.Load() > 0 {
			return errSubscriberFailed
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d subscribers received a probe within %v", f.r.ready.Load(), n, f.o.Timeout)
		}
		for ch, subs := range f.byCh {
			for _, s := range subs {
				if !s.ready.Load() {
					if err := p.publish(f.o.channel(ch), 0, 0); err != nil {
						return fmt.Errorf("probe: %w", err)
					}
					break
				}
			}
		}
		waitFor(func() bool { return f.r.ready.Load() == n || f.r.errors.Load() > 0 }, minTime(deadline, time.Now().Add(200*time.Millisecond)))
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(cond func() bool, deadline time.Time) bool {
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// lastDelivery is the latest fresh delivery time; only valid after stop.
func (f *fleet) lastDelivery() int64 {
	var last int64
	for _, s := range f.subs {
		if s.last > last {
			last = s.last
		}
	}
	return last
}

// check sums every subscriber's check against expected[channel][publisher].
func (f *fleet) check(expected [][]int64) Counts {
	var c Counts
	for _, s := range f.subs {
		c.Add(s.check.Result(expected[s.ch]))
	}
	return c
}
