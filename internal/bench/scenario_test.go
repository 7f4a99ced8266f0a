//go:build linux

package bench

import (
	"os"
	"testing"
	"time"
)

func TestScenariosAgainstFake(t *testing.T) {
	srv := newFakeServer(t)
	base := Options{URL: srv.URL, Timeout: 5 * time.Second, Duration: 5 * time.Second}
	modes := []Mode{ModeWS, ModeSSE, ModeStream, ModeLongPoll}
	type tc struct {
		name     string
		scenario string
		set      func(o *Options)
		want     func(t *testing.T, r *Result)
	}
	var cases []tc
	for _, m := range modes {
		cases = append(cases,
			tc{"idle/" + m.String(), "idle", func(o *Options) {
				o.Mode, o.Subs, o.Channels, o.PID = m, 30, 4, os.Getpid()
			}, func(t *testing.T, r *Result) {
				if r.Expected != 30 || r.RSSAfter == 0 || r.AllDeliveredMs <= 0 {
					t.Errorf("expected=%d rss=%d all=%v", r.Expected, r.RSSAfter, r.AllDeliveredMs)
				}
			}},
			tc{"fanout/" + m.String(), "fanout", func(o *Options) {
				o.Mode, o.Subs, o.Messages, o.Publishers, o.Size = m, 8, 300, 2, 300
			}, func(t *testing.T, r *Result) {
				if r.Expected != 8*300 || r.Latency.Count != 8*300 {
					t.Errorf("expected=%d latency count=%d", r.Expected, r.Latency.Count)
				}
			}},
			tc{"channels/" + m.String(), "channels", func(o *Options) {
				o.Mode, o.Channels, o.Messages, o.Publishers = m, 10, 100, 3
			}, func(t *testing.T, r *Result) {
				if r.Published != 100 || r.Expected != 200 {
					t.Errorf("published=%d expected=%d", r.Published, r.Expected)
				}
			}},
		)
	}
	cases = append(cases,
		tc{"fanout/ws/delayed-ack", "fanout", func(o *Options) {
			o.Mode, o.Subs, o.Messages, o.DelayedAck = ModeWS, 5, 100, true
		}, func(t *testing.T, r *Result) {
			if r.Check.Received != 500 {
				t.Errorf("received %d", r.Check.Received)
			}
		}},
		tc{"pubonly", "pubonly", func(o *Options) { o.Messages, o.Publishers = 400, 4 }, func(t *testing.T, r *Result) {
			if r.Published != 400 || r.PublishRTT.Count != 400 {
				t.Errorf("published=%d rtt count=%d", r.Published, r.PublishRTT.Count)
			}
		}},
		tc{"pubonly/rate", "pubonly", func(o *Options) { o.Messages, o.Publishers, o.Rate = 20, 2, 200 }, func(t *testing.T, r *Result) {
			if r.Published != 20 || r.PublishSeconds < 0.09 {
				t.Errorf("published=%d in %vs, want 20 paced over >= 0.09s", r.Published, r.PublishSeconds)
			}
		}},
		tc{"connect/ws", "connect", func(o *Options) { o.Mode, o.Subs = ModeWS, 50 }, func(t *testing.T, r *Result) {
			if r.Connects != 50 {
				t.Errorf("connects=%d", r.Connects)
			}
		}},
		tc{"connect/sse", "connect", func(o *Options) { o.Mode, o.Subs = ModeSSE, 50 }, func(t *testing.T, r *Result) {
			if r.Connects != 50 {
				t.Errorf("connects=%d", r.Connects)
			}
		}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base
			c.set(&o)
			r, err := Run(c.scenario, o)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !r.OK() {
				t.Fatalf("not OK:\n%s", r.Text())
			}
			c.want(t, r)
		})
	}
}

func TestRunErrors(t *testing.T) {
	srv := newFakeServer(t)
	if _, err := Run("nope", Options{URL: srv.URL}); err == nil {
		t.Error("unknown scenario accepted")
	}
	// A subscriber path that answers 404 fails the readiness wait quickly.
	_, err := Run("fanout", Options{URL: srv.URL, WSPath: "/missing/", Subs: 2, Messages: 1, Timeout: 2 * time.Second})
	if err == nil {
		t.Error("fanout against a missing location succeeded")
	}
}
