package memory

import (
	"testing"

	"github.com/pushstream/pushstream/internal/broker"
	"github.com/pushstream/pushstream/internal/broker/brokertest"
)

func TestContract(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, n int) []broker.Broker {
		s := NewServer(nil)
		out := make([]broker.Broker, n)
		for i := range out {
			out[i] = s.Node()
		}
		return out
	})
}
