package bench

import (
	"fmt"
	"sync"
	"time"
)

// pubRun is the outcome of a publishing phase.
type pubRun struct {
	counts   [][]int64 // successful publishes [channel][publisher]: the last seq used
	errors   int64
	firstErr error
	start    time.Time
	end      time.Time
	rtt      Hists
}

func (p *pubRun) total() int64 {
	var t int64
	for _, ch := range p.counts {
		for _, n := range ch {
			t += n
		}
	}
	return t
}

// maxConsecutiveErrors stops a publisher that only gets errors.
const maxConsecutiveErrors = 100

// publishAll runs o.Publishers keep-alive publishers. Publisher p sends
// quota(p) messages round-robin over chans(p), paced to o.Rate in total, and
// stops at o.Duration. Sequence numbers are per (channel, publisher) and
// advance only on success, so the subscribers' expectation is exact.
func publishAll(o *Options, quota func(p int) int, chans func(p int) []int) *pubRun {
	pr := &pubRun{counts: make([][]int64, o.Channels), rtt: NewHists(o.Publishers)}
	for i := range pr.counts {
		pr.counts[i] = make([]int64, o.Publishers)
	}
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(o.Publishers) / o.Rate * float64(time.Second))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	pr.start = time.Now()
	stopAt := pr.start.Add(o.Duration)
	for p := 0; p < o.Publishers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pub := newPublisher(o)
			pub.host = o.hostFor(p)
			defer pub.close()
			chs := chans(p)
			if len(chs) == 0 {
				return
			}
			names := make([]string, len(chs))
			for k, ch := range chs {
				names[k] = o.channel(ch)
			}
			hist := pr.rtt.Shard(p)
			var errs, consecutive int64
			var firstErr error
			n := quota(p)
			for k := 0; k < n; k++ {
				t0 := time.Now()
				if t0.After(stopAt) {
					break
				}
				if interval > 0 {
					if due := pr.start.Add(time.Duration(k) * interval); due.After(t0) {
						time.Sleep(due.Sub(t0))
						t0 = time.Now()
					}
				}
				ci := k % len(chs)
				ch := chs[ci]
				seq := pr.counts[ch][p] + 1 // this publisher alone writes counts[*][p]
				if err := pub.publish(names[ci], int64(p), seq); err != nil {
					errs++
					consecutive++
					if firstErr == nil {
						firstErr = err
					}
					if consecutive >= maxConsecutiveErrors {
						break
					}
					continue
				}
				consecutive = 0
				pr.counts[ch][p] = seq
				hist.Record(int64(time.Since(t0)))
			}
			mu.Lock()
			pr.errors += errs
			if pr.firstErr == nil && firstErr != nil {
				pr.firstErr = fmt.Errorf("publisher %d: %w", p, firstErr)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	pr.end = time.Now()
	return pr
}

// split divides total into n nearly equal parts.
func split(total, n, i int) int {
	q := total / n
	if i < total%n {
		q++
	}
	return q
}
