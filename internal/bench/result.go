//go:build linux

package bench

import (
	"fmt"
	"strings"
)

// Result is what one scenario measured; zero sections are left out of the
// JSON form.
type Result struct {
	Scenario    string `json:"scenario"`
	URL         string `json:"url"`
	Mode        string `json:"mode,omitempty"`
	Subscribers int    `json:"subscribers,omitempty"`
	Channels    int    `json:"channels,omitempty"`
	Publishers  int    `json:"publishers,omitempty"`
	Size        int    `json:"size,omitempty"`

	Published      int64    `json:"published,omitempty"`
	PublishErrors  int64    `json:"publish_errors,omitempty"`
	PublishSeconds float64  `json:"publish_seconds,omitempty"`
	PublishPerSec  float64  `json:"publish_per_sec,omitempty"`
	PublishRTT     *Latency `json:"publish_rtt,omitempty"`

	Expected         int64    `json:"expected_deliveries,omitempty"`
	Check            *Counts  `json:"check,omitempty"`
	DeliverySeconds  float64  `json:"delivery_seconds,omitempty"`
	DeliveriesPerSec float64  `json:"deliveries_per_sec,omitempty"`
	Latency          *Latency `json:"latency,omitempty"`
	AllDeliveredMs   float64  `json:"all_delivered_ms,omitempty"`

	RSSBefore      int64    `json:"rss_before,omitempty"`
	RSSAfter       int64    `json:"rss_after,omitempty"`
	RSSPerSub      float64  `json:"rss_per_subscriber,omitempty"`
	Connects       int64    `json:"connects,omitempty"`
	ConnectErrors  int64    `json:"connect_errors,omitempty"`
	ConnectsPerSec float64  `json:"connects_per_sec,omitempty"`
	ConnectLatency *Latency `json:"connect_latency,omitempty"`

	LoadCPUPercent float64 `json:"load_cpu_percent,omitempty"`
	// LoadIdlePollPercent is the part of LoadCPUPercent its event loops
	// spent polling without finding work (-spin): idle, not load.
	LoadIdlePollPercent float64 `json:"load_idle_poll_percent,omitempty"`
	ServerCPUPercent    float64 `json:"server_cpu_percent,omitempty"`

	SubscriberErrors int64  `json:"subscriber_errors,omitempty"`
	FirstError       string `json:"first_error,omitempty"`
}

// OK reports whether nothing was lost, duplicated, reordered or failed.
func (r *Result) OK() bool {
	if r.PublishErrors > 0 || r.SubscriberErrors > 0 || r.ConnectErrors > 0 || r.FirstError != "" {
		return false
	}
	return r.Check == nil || (r.Check.Lost == 0 && r.Check.Duplicate == 0 && r.Check.Reordered == 0)
}

// Text is the human summary.
func (r *Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s against %s", r.Scenario, r.URL)
	if r.Mode != "" {
		fmt.Fprintf(&b, " mode=%s", r.Mode)
	}
	fmt.Fprintf(&b, " subscribers=%d channels=%d publishers=%d size=%d\n", r.Subscribers, r.Channels, r.Publishers, r.Size)
	if r.RSSAfter > 0 {
		fmt.Fprintf(&b, "  server RSS: %.1f MiB -> %.1f MiB", mib(r.RSSBefore), mib(r.RSSAfter))
		if r.RSSPerSub != 0 {
			fmt.Fprintf(&b, " = %.0f bytes (%.2f KB) per subscriber", r.RSSPerSub, r.RSSPerSub/1000)
		}
		b.WriteByte('\n')
	}
	if r.Published > 0 || r.PublishErrors > 0 {
		fmt.Fprintf(&b, "  published %d (%d errors) in %.3fs = %.0f publishes/s\n", r.Published, r.PublishErrors, r.PublishSeconds, r.PublishPerSec)
	}
	if r.PublishRTT != nil {
		fmt.Fprintf(&b, "  publish round trip: %s\n", r.PublishRTT)
	}
	if r.Check != nil {
		fmt.Fprintf(&b, "  delivered %d of %d expected in %.3fs = %.0f deliveries/s\n", r.Check.Received, r.Expected, r.DeliverySeconds, r.DeliveriesPerSec)
		fmt.Fprintf(&b, "  check: lost=%d duplicate=%d reordered=%d\n", r.Check.Lost, r.Check.Duplicate, r.Check.Reordered)
	}
	if r.Latency != nil {
		fmt.Fprintf(&b, "  publish->deliver: %s\n", r.Latency)
	}
	if r.AllDeliveredMs > 0 {
		fmt.Fprintf(&b, "  one message per channel reached every subscriber in %.2f ms\n", r.AllDeliveredMs)
	}
	if r.Connects > 0 || r.ConnectErrors > 0 {
		fmt.Fprintf(&b, "  %d connects (%d errors) = %.0f connects/s\n", r.Connects, r.ConnectErrors, r.ConnectsPerSec)
	}
	if r.ConnectLatency != nil {
		fmt.Fprintf(&b, "  connect to first byte: %s\n", r.ConnectLatency)
	}
	if r.LoadCPUPercent > 0 {
		fmt.Fprintf(&b, "  CPU (100%% = one core): load %.0f%%", r.LoadCPUPercent)
		if r.LoadIdlePollPercent >= 0.5 {
			fmt.Fprintf(&b, " (of which %.0f%% idle polling)", r.LoadIdlePollPercent)
		}
		if r.ServerCPUPercent > 0 {
			fmt.Fprintf(&b, ", server %.0f%%", r.ServerCPUPercent)
		}
		b.WriteByte('\n')
	}
	if r.SubscriberErrors > 0 {
		fmt.Fprintf(&b, "  subscriber errors: %d\n", r.SubscriberErrors)
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "  first error: %s\n", r.FirstError)
	}
	if r.OK() {
		b.WriteString("  result: OK\n")
	} else {
		b.WriteString("  result: FAILED\n")
	}
	return b.String()
}

func (l *Latency) String() string {
	return fmt.Sprintf("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (n=%d)", l.P50, l.P90, l.P99, l.P999, l.Max, l.Count)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func (r *Result) setErr(err error) {
	if err != nil && r.FirstError == "" {
		r.FirstError = err.Error()
	}
}
