package redis

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/pushstream/pushstream/internal/broker"
	"github.com/pushstream/pushstream/internal/broker/brokertest"
)

var prefixes atomic.Int64

// factory returns n brokers on url, isolated from other tests by a key prefix.
func factory(url string) brokertest.Factory {
	return func(t *testing.T, n int) []broker.Broker {
		prefix := fmt.Sprintf("t%d:", prefixes.Add(1))
		out := make([]broker.Broker, n)
		for i := range out {
			b, err := New(url+"?prefix="+prefix, nil)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = b
		}
		return out
	}
}

func TestContractSingle(t *testing.T) {
	r := brokertest.StartRedis(t)
	brokertest.Run(t, factory(r.URL()))
}

func TestContractCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster start-up is slow")
	}
	nodes := brokertest.StartCluster(t)
	brokertest.Run(t, factory(brokertest.ClusterURL(nodes)))
}
