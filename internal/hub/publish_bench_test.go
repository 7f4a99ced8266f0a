package hub

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// countSink is a Subscriber that only counts, so the benchmark measures
// the hub's fan-out and not a transport.
type countSink struct{ n atomic.Int64 }

func (c *countSink) Deliver(*Message)             { c.n.Add(1) }
func (c *countSink) ChannelDeleted(*Message, int) {}

func benchFanout(b *testing.B, subs int, store bool) {
	h := New(Config{MaxStoredPerChannel: 100})
	sinks := make([]*countSink, subs)
	for i := range sinks {
		sinks[i] = &countSink{}
		if _, _, err := h.Attach(sinks[i], []Want{{ID: "ch"}}, NoReplayPoint, AttachLive); err != nil {
			b.Fatal(err)
		}
	}
	text := []byte("hello world, a small message")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.Publish("ch", Publish{Text: text, Store: store}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := sinks[0].n.Load(); got != int64(b.N) {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
	b.ReportMetric(float64(subs)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

func BenchmarkPublishFanout(b *testing.B) {
	for _, subs := range []int{1, 1000} {
		for _, store := range []bool{false, true} {
			b.Run(fmt.Sprintf("subs=%d/store=%v", subs, store), func(b *testing.B) { benchFanout(b, subs, store) })
		}
	}
}
