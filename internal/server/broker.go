package server

import (
	"fmt"
	"log/slog"

	"github.com/pushstream/pushstream/internal/broker"
	redisbroker "github.com/pushstream/pushstream/internal/broker/redis"
)

// newBroker builds the broker named by push_stream_broker: nil (the hub's
// own in-memory store) for "" and "memory", a Redis broker for the
// redis URL forms.
func newBroker(spec string, log *slog.Logger) (broker.Broker, error) {
	switch {
	case spec == "" || spec == "memory":
		return nil, nil
	case redisbroker.IsURL(spec):
		b, err := redisbroker.New(spec, log)
		if err != nil {
			return nil, fmt.Errorf("push_stream_broker: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("push_stream_broker: unknown broker %q (want memory, redis://, rediss://, redis-cluster:// or redis-sentinel://)", spec)
}
