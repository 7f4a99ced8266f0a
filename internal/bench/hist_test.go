//go:build linux

package bench

import (
	"math"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 31, 32, 33, 63, 64, 100, 1000, 1e6, 1e9, 1e12, math.MaxInt64} {
		b := bucketOf(v)
		if b < prev || b >= nBuckets {
			t.Fatalf("bucketOf(%d) = %d (prev %d)", v, b, prev)
		}
		prev = b
		hi := bucketHigh(b)
		if hi < v || (v >= 32 && float64(hi-v) > float64(v)/32+1) {
			t.Errorf("value %d: bucket %d high %d", v, b, hi)
		}
		if b > 0 && bucketHigh(b-1) >= v {
			t.Errorf("value %d also fits bucket %d", v, b-1)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	hs := NewHists(4)
	// 1..1000 µs, one each, spread over the shards.
	for i := 1; i <= 1000; i++ {
		hs.Shard(i).Record(int64(i) * int64(time.Microsecond))
	}
	l := hs.Summary()
	check := func(name string, got, want float64) {
		if got < want || got > want*1.035 {
			t.Errorf("%s = %.4f ms, want %.4f ms within 3.5%%", name, got, want)
		}
	}
	if l.Count != 1000 {
		t.Errorf("count %d", l.Count)
	}
	check("p50", l.P50, 0.5)
	check("p90", l.P90, 0.9)
	check("p99", l.P99, 0.99)
	check("max", l.Max, 1.0)
	if (Hists{{}}).Summary() != (Latency{}) {
		t.Error("empty histogram not zero")
	}
}

func TestHistogramNoAlloc(t *testing.T) {
	var h Histogram
	if a := testing.AllocsPerRun(100, func() { h.Record(12345) }); a != 0 {
		t.Errorf("allocs = %v", a)
	}
}
