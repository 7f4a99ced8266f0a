package brokertest

import (
	"sync"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/broker"
)

// Recorder is a broker.Handler that records what it receives.
type Recorder struct {
	mu         sync.Mutex
	msgs       []broker.Message
	deletes    []string
	texts      [][]byte
	reconnects int
}

// HandleMessage implements broker.Handler.
func (r *Recorder) HandleMessage(m broker.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

// HandleDelete implements broker.Handler.
func (r *Recorder) HandleDelete(channel string, text []byte) {
	r.mu.Lock()
	r.deletes = append(r.deletes, channel)
	r.texts = append(r.texts, text)
	r.mu.Unlock()
}

// HandleReconnect implements broker.Handler.
func (r *Recorder) HandleReconnect() {
	r.mu.Lock()
	r.reconnects++
	r.mu.Unlock()
}

// Reconnects returns how many times HandleReconnect was called.
func (r *Recorder) Reconnects() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reconnects
}

// Messages returns a copy of the received messages.
func (r *Recorder) Messages() []broker.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]broker.Message(nil), r.msgs...)
}

// Deletes returns the deleted channels received.
func (r *Recorder) Deletes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.deletes...)
}

// Eventually fails t unless cond holds within d.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
