package metrics

import (
	"bytes"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"github.com/pushstream/pushstream/internal/config"
)

// HubStats is what the collector reads from the hub at scrape time.
type HubStats struct {
	Channels         int64
	WildcardChannels int64
	Published        int64
	Stored           int64
	Subscribers      int64
}

// Source gives the collector the values it does not own. Every field may
// be nil.
type Source struct {
	Hub func() HubStats
	// Broker names the broker ("memory", "redis") and reports its health;
	// the Redis broker plugs its connection state in here.
	Broker        string
	BrokerHealthy func() bool
	// Connections is the number of open client connections.
	Connections func() int
}

// ContentType is the Prometheus text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Metrics is a Prometheus registry over a Recorder and a Source.
type Metrics struct {
	reg *prometheus.Registry
}

// New builds the registry: the pushstream collector plus the Go runtime
// and process collectors.
func New(r *Recorder, src Source) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{r: r, src: src})
	reg.MustRegister(collectors.NewGoCollector())
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Metrics{reg: reg}
}

// Registry exposes the registry (extra collectors, tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Render gathers every metric in the text exposition format.
func (m *Metrics) Render() ([]byte, error) {
	fams, err := m.reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("gather metrics: %w", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			return nil, fmt.Errorf("encode metrics: %w", err)
		}
	}
	return buf.Bytes(), nil
}

var (
	descSubscribers = prometheus.NewDesc("pushstream_subscribers",
		"Connected subscribers by mode.", []string{"mode"}, nil)
	descChannels = prometheus.NewDesc("pushstream_channels",
		"Active channels (wildcard channels included).", nil, nil)
	descWildcard = prometheus.NewDesc("pushstream_wildcard_channels",
		"Active wildcard channels.", nil, nil)
	descStored = prometheus.NewDesc("pushstream_messages_stored",
		"Messages stored for replay.", nil, nil)
	descPublished = prometheus.NewDesc("pushstream_messages_published_total",
		"Messages published.", nil, nil)
	descDelivered = prometheus.NewDesc("pushstream_messages_delivered_total",
		"Live messages handed to subscribers' connections.", nil, nil)
	descDropped = prometheus.NewDesc("pushstream_messages_dropped_total",
		"Messages a subscriber missed because its queue was full.", nil, nil)
	descSlow = prometheus.NewDesc("pushstream_slow_subscribers_dropped_total",
		"Subscribers disconnected for falling behind.", nil, nil)
	descLatency = prometheus.NewDesc("pushstream_delivery_latency_seconds",
		"Time from a message reaching a subscriber's queue to its write.", nil, nil)
	descBroker = prometheus.NewDesc("pushstream_broker_up",
		"1 when the broker is reachable.", []string{"broker"}, nil)
	descConns = prometheus.NewDesc("pushstream_connections",
		"Open client connections.", nil, nil)
	descReloads = prometheus.NewDesc("pushstream_config_reloads_total",
		"Configuration reloads by result.", []string{"result"}, nil)
)

type collector struct {
	r   *Recorder
	src Source
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSubscribers, descChannels, descWildcard, descStored, descPublished,
		descDelivered, descDropped, descSlow, descLatency, descBroker, descConns, descReloads} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	r := c.r
	for m := range modes {
		ch <- prometheus.MustNewConstMetric(descSubscribers, prometheus.GaugeValue,
			float64(r.subscribers[m].Load()), config.SubscriberMode(m).String())
	}
	if c.src.Hub != nil {
		h := c.src.Hub()
		ch <- prometheus.MustNewConstMetric(descChannels, prometheus.GaugeValue, float64(h.Channels))
		ch <- prometheus.MustNewConstMetric(descWildcard, prometheus.GaugeValue, float64(h.WildcardChannels))
		ch <- prometheus.MustNewConstMetric(descStored, prometheus.GaugeValue, float64(h.Stored))
		ch <- prometheus.MustNewConstMetric(descPublished, prometheus.CounterValue, float64(h.Published))
	}
	ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(r.delivered.Load()))
	ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(r.dropped.Load()))
	ch <- prometheus.MustNewConstMetric(descSlow, prometheus.CounterValue, float64(r.slowCut.Load()))
	count, sum, buckets := r.latency.cumulative()
	ch <- prometheus.MustNewConstHistogram(descLatency, count, sum, buckets)
	broker, up := c.src.Broker, 1.0
	if broker == "" {
		broker = "memory"
	}
	if c.src.BrokerHealthy != nil && !c.src.BrokerHealthy() {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(descBroker, prometheus.GaugeValue, up, broker)
	if c.src.Connections != nil {
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(c.src.Connections()))
	}
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(r.reloadOK.Load()), "ok")
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(r.reloadFail.Load()), "error")
}
