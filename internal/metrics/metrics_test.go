package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/config"
)

func TestHistogramBuckets(t *testing.T) {
	cases := []struct {
		d     time.Duration
		le    float64 // smallest bucket that must count it
		below float64 // largest bucket that must not
	}{
		{50 * time.Microsecond, 0.0001, 0},
		{time.Millisecond, 0.001, 0.0005},
		{30 * time.Millisecond, 0.05, 0.025},
		{20 * time.Second, -1, 10},
	}
	for _, c := range cases {
		var h histogram
		h.observe(c.d)
		count, sum, b := h.cumulative()
		if count != 1 || sum != c.d.Seconds() {
			t.Errorf("%v: count %d sum %v", c.d, count, sum)
		}
		if c.le > 0 && b[c.le] != 1 {
			t.Errorf("%v: bucket %v = %d, want 1", c.d, c.le, b[c.le])
		}
		if c.below > 0 && b[c.below] != 0 {
			t.Errorf("%v: bucket %v = %d, want 0", c.d, c.below, b[c.below])
		}
	}
}

func TestRecorderNilSafe(t *testing.T) {
	var r *Recorder
	r.Delivered(3)
	r.Dropped()
	r.SlowSubscriberCut()
	r.Reloaded(true)
	r.ObserveLatency(time.Second)
	r.SubscriberStarted(config.ModeWebSocket)()
}

func TestRender(t *testing.T) {
	r := &Recorder{}
	done := r.SubscriberStarted(config.ModeEventSource)
	r.Delivered(5)
	r.Dropped()
	r.SlowSubscriberCut()
	r.ObserveLatency(2 * time.Millisecond)
	m := New(r, Source{
		Hub:           func() HubStats { return HubStats{Channels: 7, Published: 11} },
		Broker:        "redis",
		BrokerHealthy: func() bool { return false },
		Connections:   func() int { return 3 },
	})
	body, err := m.Render()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	for _, want := range []string{
		`pushstream_subscribers{mode="eventsource"} 1`,
		`pushstream_subscribers{mode="streaming"} 0`,
		"pushstream_channels 7\n",
		"pushstream_messages_published_total 11\n",
		"pushstream_messages_delivered_total 5\n",
		"pushstream_messages_dropped_total 1\n",
		"pushstream_slow_subscribers_dropped_total 1\n",
		`pushstream_delivery_latency_seconds_bucket{le="0.0025"} 1`,
		"pushstream_delivery_latency_seconds_count 1\n",
		`pushstream_broker_up{broker="redis"} 0`,
		"pushstream_connections 3\n",
		"go_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	done()
	if got := r.Snapshot().Subscribers["eventsource"]; got != 0 {
		t.Errorf("gauge after done = %d", got)
	}
}
