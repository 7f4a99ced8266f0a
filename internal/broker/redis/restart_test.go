package redis

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/broker"
	"github.com/pushstream/pushstream/internal/broker/brokertest"
)

func TestRedisRestartResubscribesAndCallsAreBounded(t *testing.T) {
	base := runtime.NumGoroutine()
	r := brokertest.StartRedis(t)
	bs := factory(r.URL())(t, 2)
	rec := &brokertest.Recorder{}
	if err := bs[0].Start(rec); err != nil {
		t.Fatal(err)
	}
	if err := bs[1].Start(&brokertest.Recorder{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := bs[0].Subscribe(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	p := broker.Publish{Text: []byte("x"), TTL: time.Minute, Inactivity: time.Minute}
	if _, err := bs[1].Publish(ctx, "r", p); err != nil {
		t.Fatal(err)
	}
	brokertest.Eventually(t, 5*time.Second, "first message", func() bool { return len(rec.Messages()) == 1 })

	r.Stop()
	start := time.Now()
	if _, err := bs[1].Publish(ctx, "r", p); !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("publish with Redis down: %v", err)
	}
	if _, err := bs[1].History(ctx, "r"); !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("history with Redis down: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("calls with Redis down took %v", d)
	}
	r.Start(t)
	brokertest.Eventually(t, 10*time.Second, "reconnect reported", func() bool { return rec.Reconnects() == 1 })
	if _, err := bs[1].Publish(ctx, "r", p); err != nil {
		t.Fatal(err)
	}
	brokertest.Eventually(t, 5*time.Second, "message after restart (resubscribed)", func() bool { return len(rec.Messages()) == 2 })
	for _, b := range bs {
		_ = b.Close()
	}
	r.Stop()
	brokertest.Eventually(t, 5*time.Second, "goroutines back to baseline", func() bool { return runtime.NumGoroutine() <= base+1 })
}
