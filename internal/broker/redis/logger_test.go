package redis

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLibLoggerHoldsBackRepeats(t *testing.T) {
	var out bytes.Buffer
	l := newLibLogger(slog.New(slog.NewTextHandler(&out, nil)))
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }
	const dial = "redis: connection pool: failed to dial after %d attempts: %v"
	for i := range 50 {
		l.Printf(context.Background(), dial, i+1, "connection refused")
	}
	l.Printf(context.Background(), "other message %d", 1)
	if got := strings.Count(out.String(), "failed to dial"); got != 1 {
		t.Fatalf("%d dial lines within %v, want 1:\n%s", got, logEvery, out.String())
	}
	if !strings.Contains(out.String(), "other message 1") {
		t.Fatalf("another kind of message was held back:\n%s", out.String())
	}
	now = now.Add(logEvery)
	out.Reset()
	l.Printf(context.Background(), dial, 51, "connection refused")
	if s := out.String(); !strings.Contains(s, "after 51 attempts") || !strings.Contains(s, "repeats_held_back=49") || !strings.Contains(s, "level=WARN") {
		t.Fatalf("after %v: %q, want the new message with the 49 held back", logEvery, s)
	}
}
