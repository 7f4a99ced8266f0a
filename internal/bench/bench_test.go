//go:build linux

package bench

import (
	"strings"
	"testing"
)

// BenchmarkWSDelivery measures the subscriber side per delivered message:
// de-framing, finding the payload, the check and the latency record.
func BenchmarkWSDelivery(b *testing.B) {
	var d wsDecoder
	c := NewChecker(1, int64(b.N)+1)
	h := &Histogram{}
	var f Finder
	f.OnFind = func(pub, seq, ts int64) {
		if c.Add(pub, seq) {
			h.Record(ts)
		}
	}
	tmpl := `{"id":1,"channel":"ch","text":"`
	frames := make([][]byte, 64)
	for i := range frames {
		frames[i] = []byte(frame(1, tmpl+string(AppendPayload(nil, 0, int64(i+1), 1700000000000000000, 100))+`"}`, nil))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(frames[0])))
	for i := 0; i < b.N; i++ {
		d.feed(frames[i%64], &f)
	}
}

// BenchmarkChunkedDelivery is the same for a chunked (stream, sse) body.
func BenchmarkChunkedDelivery(b *testing.B) {
	var d chunkedDecoder
	var f Finder
	n := 0
	f.OnFind = func(int64, int64, int64) { n++ }
	in := []byte(strings.Repeat(chunk("data: "+string(AppendPayload(nil, 0, 1, 1700000000000000000, 100))+"\n\n"), 1))
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		d.feed(in, &f)
	}
}
