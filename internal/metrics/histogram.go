package metrics

import (
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the delivery latency
// histogram: from 100 µs (same process, idle) to 10 s (a stuck client).
var latencyBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// histogram is a lock-free fixed-bucket histogram; the Prometheus
// collector turns it into a const histogram at scrape time.
type histogram struct {
	buckets [16]atomic.Uint64 // len(latencyBuckets); non-cumulative
	inf     atomic.Uint64
	count   atomic.Uint64
	sumNS   atomic.Uint64
}

func (h *histogram) observe(d time.Duration) {
	if d < 0 {
		d = 0
	}
	s := d.Seconds()
	i := 0
	for i < len(latencyBuckets) && s > latencyBuckets[i] {
		i++
	}
	if i < len(h.buckets) {
		h.buckets[i].Add(1)
	} else {
		h.inf.Add(1)
	}
	h.sumNS.Add(uint64(d))
	h.count.Add(1)
}

// cumulative returns the count, the sum in seconds and the cumulative
// bucket counts keyed by upper bound, as Prometheus wants them.
func (h *histogram) cumulative() (uint64, float64, map[float64]uint64) {
	out := make(map[float64]uint64, len(latencyBuckets))
	var acc uint64
	for i, ub := range latencyBuckets {
		acc += h.buckets[i].Load()
		out[ub] = acc
	}
	count := acc + h.inf.Load()
	return count, time.Duration(h.sumNS.Load()).Seconds(), out
}
