package redis

import (
	"context"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/broker"
	"github.com/pushstream/pushstream/internal/broker/brokertest"
)

// TestSentinelURL publishes and delivers through the master that a real
// Sentinel names.
func TestSentinelURL(t *testing.T) {
	master := brokertest.StartRedis(t)
	s := brokertest.StartSentinel(t, "mymaster", master)
	b, err := New("redis-sentinel://mymaster@"+s.Addr+"/0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rec := &brokertest.Recorder{}
	if err := b.Start(rec); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Subscribe(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(ctx, "s", broker.Publish{Text: []byte("via sentinel"), Store: true, TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	brokertest.Eventually(t, 5*time.Second, "delivery", func() bool { return len(rec.Messages()) == 1 })
	if out, err := master.Command("EXISTS", "ps:{c:s}:h"); err != nil || out != ":1" {
		t.Fatalf("history not on the master: %q %v", out, err)
	}
}
