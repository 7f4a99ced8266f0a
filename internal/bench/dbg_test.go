package bench

import (
	"testing"
	"time"
)

func TestDbg(t *testing.T) {
	o := Options{URL: "http://127.0.0.1:19080", Subs: 1, Messages: 1, Timeout: 1 * time.Second, Mode: ModeSSE}
	o.Defaults("fanout")
	o.resolve()
	r := newRun(1)
	f, err := startFleet(&o, r, 1, func(int) int { return 0 }, 1, 1)
	t.Log(err)
	p := newPublisher(&o)
	t.Log(p.publish(o.channel(0), 0, 0), string(p.req), string(p.buf[:300]))
	time.Sleep(200 * time.Millisecond)
	f.stop()
	t.Log(r.ready.Load(), f.subs[0].err, string(f.subs[0].buf))
}
