//go:build linux

package bench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Log-linear buckets: values below 2^subBits are exact, above that each power
// of two is split into 2^subBits buckets, so a bucket's width is at most
// 1/32 (3.1 %) of its value. Values are nanoseconds.
const (
	subBits  = 5
	subCount = 1 << subBits
	nBuckets = (64 - subBits) * subCount
)

// Histogram counts durations in fixed buckets. Record is safe for
// concurrent use and never allocates.
type Histogram struct {
	counts [nBuckets]atomic.Uint64
	max    atomic.Int64
}

func bucketOf(v int64) int {
	if v < subCount {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 1 // >= subBits
	sub := int(v>>(e-subBits)) & (subCount - 1)
	return (e-subBits+1)*subCount + sub
}

// bucketHigh is the largest value that falls in bucket i.
func bucketHigh(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	e := i/subCount - 1 + subBits
	sub := int64(i % subCount)
	low := (subCount + sub) << (e - subBits)
	return low + 1<<(e-subBits) - 1
}

// Record adds one value.
func (h *Histogram) Record(d int64) {
	h.counts[bucketOf(d)].Add(1)
	for {
		m := h.max.Load()
		if d <= m || h.max.CompareAndSwap(m, d) {
			return
		}
	}
}

// Hists is a set of histograms merged when read, so that many recording
// goroutines do not all hit the same counters.
type Hists []Histogram

// NewHists returns n shards.
func NewHists(n int) Hists { return make(Hists, n) }

// Shard returns the shard for recorder i.
func (hs Hists) Shard(i int) *Histogram { return &hs[i%len(hs)] }

// Summary merges the shards into quantiles.
func (hs Hists) Summary() Latency {
	var merged [nBuckets]uint64
	var total uint64
	var max int64
	for k := range hs {
		for i := range merged {
			c := hs[k].counts[i].Load()
			merged[i] += c
			total += c
		}
		if m := hs[k].max.Load(); m > max {
			max = m
		}
	}
	return summarize(&merged, total, max)
}

// Latency is a histogram summary in milliseconds.
type Latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

func summarize(b *[nBuckets]uint64, total uint64, max int64) Latency {
	l := Latency{Count: total, Max: ms(max)}
	if total == 0 {
		return l
	}
	q := func(f float64) float64 {
		rank := uint64(f*float64(total) + 0.5)
		if rank < 1 {
			rank = 1
		}
		var seen uint64
		for i, c := range b {
			seen += c
			if seen >= rank {
				v := bucketHigh(i)
				if v > max {
					v = max
				}
				return ms(v)
			}
		}
		return ms(max)
	}
	l.P50, l.P90, l.P99, l.P999 = q(0.50), q(0.90), q(0.99), q(0.999)
	return l
}

func ms(ns int64) float64 { return float64(ns) / float64(time.Millisecond) }
