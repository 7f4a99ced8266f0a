package e2e

import (
	"fmt"
	"testing"
	"time"
)

// Subscribers of every mode wait without a goroutine, and when they vanish
// (client closes without a word) they leave nothing behind: the subscriber
// counters and the server's goroutines return to their baseline
// (go_goroutines from /metrics).
func TestLeakSubscribersVanish(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	// Warm up once so that lazily started goroutines (flushers, pools) exist
	// before the baseline is read.
	warm := subWSOpen(t, s, "/ws/leak_warm")
	subWaitSubscribers(t, s, "leak_warm", 1)
	s.PublishOK(t, "leak_warm", "x")
	warm.Close()
	Eventually(t, 5*time.Second, func() bool { return subTotalSubscribers(t, s) == 0 }, "warm-up subscriber not gone")
	base := opsMetrics(t, s)["go_goroutines"]

	const per = 20
	var conns []*Conn
	for _, mode := range []string{"sub", "ev", "lp", "ws"} {
		for i := 0; i < per; i++ {
			path := fmt.Sprintf("/%s/leak_%s_%d", mode, mode, i%5)
			if mode == "ws" {
				conns = append(conns, subWSOpen(t, s, path))
				continue
			}
			c := s.Dial(t)
			c.Send(subReq(path))
			conns = append(conns, c)
		}
	}
	Eventually(t, 10*time.Second, func() bool { return subTotalSubscribers(t, s) == 4*per }, "subscribers did not all register")
	// A waiting subscriber holds no goroutine (it is suspended in the idle
	// poller); the margin covers a few stats connections still closing.
	if g := opsMetrics(t, s)["go_goroutines"]; g > base+5 {
		t.Fatalf("go_goroutines %v with %d idle subscribers, baseline %v: idle subscribers hold goroutines", g, 4*per, base)
	}
	// Live traffic while they go away.
	for i := 0; i < 5; i++ {
		s.PublishOK(t, fmt.Sprintf("leak_ws_%d", i), "m")
	}
	for _, c := range conns {
		c.Close()
	}
	Eventually(t, 10*time.Second, func() bool { return subTotalSubscribers(t, s) == 0 }, "subscriber count did not return to 0")
	Eventually(t, 10*time.Second, func() bool {
		return opsMetrics(t, s)["go_goroutines"] <= base
	}, "goroutines did not return to the baseline %v", base)
}
