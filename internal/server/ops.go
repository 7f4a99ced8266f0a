package server

import (
	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/metrics"
)

// metricsSource wires the hub, the broker and the HTTP server into the
// Prometheus collector.
func (s *Server) metricsSource(cfg *config.Config) metrics.Source {
	src := metrics.Source{
		Hub: func() metrics.HubStats {
			sum := s.hub.Summary()
			return metrics.HubStats{
				Channels:         sum.Channels,
				WildcardChannels: sum.WildcardChannels,
				Published:        sum.Published,
				Stored:           sum.Stored,
				Subscribers:      sum.Subscribers,
			}
		},
		Broker:      "memory",
		Connections: s.http.ConnCount,
	}
	if cfg.Global.Broker != "" {
		src.Broker = "redis"
	}
	// A broker that can tell its health (the Redis one) plugs in here.
	if hc, ok := any(s.hub).(interface{ Healthy() bool }); ok {
		src.BrokerHealthy = hc.Healthy
	}
	return src
}
