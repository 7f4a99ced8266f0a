package bench

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// fleet is the set of subscribers of a scenario.
type fleet struct {
	o    *Options
	r    *run
	subs []*subscriber
	byCh [][]*subscriber
	wg   sync.WaitGroup
}

// dialWorkers bounds concurrent connection setups.
const dialWorkers = 8

// startFleet connects n subscribers, subscriber i on channel chOf(i), each
// checking publishers 0..pubs-1 with sequence numbers up to maxSeq.
func startFleet(o *Options, r *run, n int, chOf func(int) int, pubs int, maxSeq int64) (*fleet, error) {
	f := &fleet{o: o, r: r, subs: make([]*subscriber, n), byCh: make([][]*subscriber, o.Channels)}
	for i := range f.subs {
		ch := chOf(i)
		s := newSubscriber(o, r, i, ch, NewChecker(pubs, maxSeq))
		f.subs[i] = s
		f.byCh[ch] = append(f.byCh[ch], s)
	}
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var dialers sync.WaitGroup
	for w := 0; w < dialWorkers; w++ {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				s := f.subs[i]
				if err := s.dial(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the other dialers
					return
				}
				f.wg.Add(1)
				go func() {
					defer f.wg.Done()
					s.loop()
				}()
			}
		}()
	}
	dialers.Wait()
	if firstErr != nil {
		f.stop()
		return nil, fmt.Errorf("connect subscribers: %w", firstErr)
	}
	return f, nil
}

// stop closes every connection and waits for the readers, after which their
// checkers and timestamps may be read.
func (f *fleet) stop() {
	for _, s := range f.subs {
		if s != nil && s.conn != nil {
			s.stop()
		}
	}
	f.wg.Wait()
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
