package transport

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/hub"
)

func TestMailboxOverflowCuts(t *testing.T) {
	var wakes atomic.Int32
	b := newMailbox(func() { wakes.Add(1) })
	b.max = 3
	for i := 0; i < 5; i++ {
		b.Deliver(&hub.Message{ID: int64(i + 1)})
	}
	items, over := b.drain()
	if !over || len(items) != 3 || items[2].m.ID != 3 {
		t.Fatalf("items %d overflow %v", len(items), over)
	}
	if wakes.Load() != 5 {
		t.Fatalf("every delivery must wake the connection goroutine without a flusher: %d", wakes.Load())
	}
}

func TestMailboxDrainPlainLeavesDeletions(t *testing.T) {
	b := newMailbox(func() {})
	b.Deliver(&hub.Message{ID: 1})
	b.ChannelDeleted(&hub.Message{ID: hub.IDDeleted}, 0)
	if _, ok := b.drainPlain(); ok {
		t.Fatal("a flusher must leave a channel deletion to the connection goroutine")
	}
	items, _ := b.drain()
	if len(items) != 2 || !items[1].deleted {
		t.Fatalf("items %+v", items)
	}
}

// A flusher writes plain messages through direct; when direct refuses, the
// connection goroutine is woken. Every message is handed over exactly once.
func TestFlusherDeliversOrWakes(t *testing.T) {
	var mu sync.Mutex
	var got []int64
	var refuse atomic.Bool
	woke := make(chan struct{}, 100)
	var b *mailbox
	b = newMailbox(func() { woke <- struct{}{} })
	b.useFlusher(func() bool {
		if refuse.Load() {
			return false
		}
		items, ok := b.drainPlain()
		if !ok {
			return false
		}
		mu.Lock()
		for _, it := range items {
			got = append(got, it.m.ID)
		}
		mu.Unlock()
		return true
	})
	for i := 1; i <= 100; i++ {
		b.Deliver(&hub.Message{ID: int64(i)})
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("flusher delivered %d of 100", n)
		}
		time.Sleep(time.Millisecond)
	}
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("order: got[%d] = %d", i, id)
		}
	}
	refuse.Store(true)
	b.Deliver(&hub.Message{ID: 101})
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("a refused direct write must wake the connection goroutine")
	}
	if items, _ := b.drain(); len(items) != 1 || items[0].m.ID != 101 {
		t.Fatalf("the refused message must stay queued: %+v", items)
	}
}
