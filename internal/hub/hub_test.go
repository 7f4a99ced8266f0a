package hub

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestHub(t *testing.T, cfg Config) (*Hub, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	cfg.Now = c.Now
	return New(cfg), c
}

// sink records what the hub hands a subscriber.
type sink struct {
	mu      sync.Mutex
	got     []*Message
	deleted []*Message
	remain  []int
}

func (s *sink) Deliver(m *Message) { s.mu.Lock(); s.got = append(s.got, m); s.mu.Unlock() }
func (s *sink) ChannelDeleted(m *Message, remaining int) {
	s.mu.Lock()
	s.deleted = append(s.deleted, m)
	s.remain = append(s.remain, remaining)
	s.mu.Unlock()
}

func pub(t *testing.T, h *Hub, id, text string, store bool) *Message {
	t.Helper()
	m, err := h.Publish(id, Publish{Text: []byte(text), Store: store})
	if err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	return m
}

func TestPublishIDsAndTags(t *testing.T) {
	h, c := newTestHub(t, Config{})
	m1 := pub(t, h, "a", "x", true)
	m2 := pub(t, h, "b", "x", true)
	m3 := pub(t, h, "a", "x", true)
	if m1.ID != 1 || m2.ID != 1 || m3.ID != 2 {
		t.Fatalf("ids %d %d %d", m1.ID, m2.ID, m3.ID)
	}
	if m1.Tag != 1 || m2.Tag != 2 || m3.Tag != 3 {
		t.Fatalf("tags are server wide per second: %d %d %d", m1.Tag, m2.Tag, m3.Tag)
	}
	c.Add(time.Second)
	if m := pub(t, h, "b", "x", true); m.Tag != 1 || m.Time != m1.Time+1 {
		t.Fatalf("tag restarts each second: tag %d time %d", m.Tag, m.Time)
	}
	s := h.Summary()
	if s.Channels != 2 || s.Published != 4 || s.Stored != 4 {
		t.Fatalf("summary %+v", s)
	}
}

func TestStoreCapEvictsOldest(t *testing.T) {
	h, _ := newTestHub(t, Config{MaxStoredPerChannel: 4})
	for i := 0; i < 10; i++ {
		pub(t, h, "ch", fmt.Sprint(i), true)
	}
	info, _ := h.Info("ch")
	if info.Stored != 4 || info.Published != 10 {
		t.Fatalf("info %+v", info)
	}
	if s := h.Summary(); s.MessagesInTrash != 6 || s.Stored != 4 {
		t.Fatalf("summary %+v", s)
	}
}

func TestMemoryCalibration(t *testing.T) {
	// limits.md §2: 2 MiB zone, body "1", one channel -> about 12 409 publishes.
	h, _ := newTestHub(t, Config{MemoryBudget: 2 << 20})
	n := 0
	for ; n < 20000; n++ {
		if _, err := h.Publish("ch", Publish{Text: []byte("1"), Store: true}); err != nil {
			if err != ErrNoMemory {
				t.Fatal(err)
			}
			break
		}
	}
	if n < 12409-80 || n > 12409+80 {
		t.Fatalf("publishes before full: %d", n)
	}
	// a new 4-character channel per publish -> about 4 734 channels.
	h2, _ := newTestHub(t, Config{MemoryBudget: 2 << 20})
	n = 0
	for ; n < 10000; n++ {
		if _, err := h2.Publish(fmt.Sprintf("%04d", n), Publish{Text: []byte("1"), Store: true}); err != nil {
			break
		}
	}
	if n < 4734-10 || n > 4734+10 {
		t.Fatalf("channels before full: %d", n)
	}
	// 128 KiB, one subscriber per new channel -> about 194.
	h3, _ := newTestHub(t, Config{MemoryBudget: 128 << 10})
	n = 0
	for ; n < 1000; n++ {
		if _, _, err := h3.Attach(&sink{}, []Want{{ID: fmt.Sprintf("ch_%d", n)}}, NoReplayPoint, AttachLive); err != nil {
			break
		}
	}
	if n < 194-10 || n > 194+10 {
		t.Fatalf("subscribers before full: %d", n)
	}
}

func TestRefillReachesSameCount(t *testing.T) {
	h, c := newTestHub(t, Config{MemoryBudget: 256 << 10, MessageTTL: 2 * time.Second})
	fill := func() int {
		n := 0
		for ; n < 100000; n++ {
			if _, err := h.Publish("ch", Publish{Text: []byte("abc"), Store: true}); err != nil {
				return n
			}
		}
		return n
	}
	first := fill()
	for i := 0; i < 20 && h.MemoryUsed() > 0; i++ {
		c.Add(4 * time.Second)
		h.Tick()
	}
	if h.MemoryUsed() != 0 {
		t.Fatalf("memory not returned: %d", h.MemoryUsed())
	}
	if second := fill(); second != first {
		t.Fatalf("refill %d != first fill %d", second, first)
	}
}

func TestFanOutAndDetach(t *testing.T) {
	h, _ := newTestHub(t, Config{})
	a, b := &sink{}, &sink{}
	sa, _, err := h.Attach(a, []Want{{ID: "x"}, {ID: "y"}}, NoReplayPoint, AttachLive)
	if err != nil {
		t.Fatal(err)
	}
	sb, _, _ := h.Attach(b, []Want{{ID: "y"}}, NoReplayPoint, AttachLive)
	pub(t, h, "y", "hi", false)
	if len(a.got) != 1 || len(b.got) != 1 {
		t.Fatalf("deliveries a=%d b=%d", len(a.got), len(b.got))
	}
	if s := h.Summary(); s.Subscribers != 2 {
		t.Fatalf("subscribers %d", s.Subscribers)
	}
	h.Detach(sa)
	h.Detach(sa)
	h.Detach(sb)
	info, _ := h.Info("y")
	if s := h.Summary(); s.Subscribers != 0 || info.Subscribers != 0 || h.MemoryUsed() != int64(2*chargeChannel+2)+int64(chargeMessage+2) {
		t.Fatalf("after detach: %+v %+v mem %d", s, info, h.MemoryUsed())
	}
}

func TestReplayRules(t *testing.T) {
	h, c := newTestHub(t, Config{})
	ev := func(text, id string) {
		_, err := h.Publish("ch", Publish{Text: []byte(text), EventID: id, HasEventID: id != "", Store: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	ev("msg 1", "event 1")
	ev("msg 2", "event 2")
	ev("msg 3", "")
	ev("msg 4", "event 3")
	texts := func(p ReplayPoint, b int) string {
		_, r, err := h.Attach(&sink{}, []Want{{ID: "ch", Backtrack: b}}, p, AttachNone)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, m := range r[0] {
			out += string(m.Text) + ";"
		}
		return out
	}
	if got := texts(ReplayPoint{Time: -1, Tag: -1, EventID: "event 2", HasEventID: true}, 0); got != "msg 3;msg 4;" {
		t.Fatalf("last event id: %q", got)
	}
	if got := texts(NoReplayPoint, 2); got != "msg 3;msg 4;" {
		t.Fatalf("backtrack: %q", got)
	}
	if got := texts(NoReplayPoint, 0); got != "" {
		t.Fatalf("no replay point: %q", got)
	}
	if got := texts(ReplayPoint{Time: 0, Tag: -1}, 0); got != "msg 1;msg 2;msg 3;msg 4;" {
		t.Fatalf("epoch: %q", got)
	}
	// same second, tags 5..: If-None-Match picks from the tag on, skipping the equal one.
	c.Add(time.Second)
	for i := 0; i < 10; i++ {
		ev(fmt.Sprintf("s%d", i), "")
	}
	now := c.Now().Unix()
	if got := texts(ReplayPoint{Time: now, Tag: 6}, 0); got != "s6;s7;s8;s9;" {
		t.Fatalf("time+tag: %q", got)
	}
}

func TestAttachIfIdle(t *testing.T) {
	h, _ := newTestHub(t, Config{})
	pub(t, h, "ch", "a", true)
	s, r, _ := h.Attach(&sink{}, []Want{{ID: "ch", Backtrack: 1}}, NoReplayPoint, AttachIfIdle)
	if s != nil || len(r[0]) != 1 {
		t.Fatal("long-polling with something to replay must not subscribe")
	}
	s, _, _ = h.Attach(&sink{}, []Want{{ID: "ch"}}, NoReplayPoint, AttachIfIdle)
	if s == nil {
		t.Fatal("long-polling with nothing to replay must subscribe")
	}
}

func TestDeleteLifecycle(t *testing.T) {
	h, c := newTestHub(t, Config{EventsChannelID: "events"})
	a := &sink{}
	h.Attach(a, []Want{{ID: "x"}, {ID: "y"}}, NoReplayPoint, AttachLive)
	pub(t, h, "x", "m", true)
	if n := h.Delete([]string{"x", "nope"}, []byte("bye")); n != 1 {
		t.Fatalf("deleted %d", n)
	}
	if len(a.deleted) != 1 || a.deleted[0].ID != IDDeleted || string(a.deleted[0].Text) != "bye" || a.remain[0] != 1 {
		t.Fatalf("deleted message %+v remain %v", a.deleted, a.remain)
	}
	s := h.Summary()
	if s.Channels != 2 || s.ChannelsInDelete != 1 || s.ChannelsInTrash != 0 {
		t.Fatalf("after delete %+v", s)
	}
	c.Add(4 * time.Second)
	h.Tick()
	s = h.Summary()
	if s.ChannelsInDelete != 0 || s.ChannelsInTrash != 1 || s.MessagesInTrash != 1 {
		t.Fatalf("after tick %+v", s)
	}
	// a new channel with the same id restarts at 1.
	if m := pub(t, h, "x", "again", true); m.ID != 1 {
		t.Fatalf("recreated id %d", m.ID)
	}
	var types []string
	for _, ci := range h.List("") {
		if ci.Events && ci.Published == 0 {
			t.Fatal("events channel got no events")
		}
	}
	h.mu.Lock()
	for _, m := range h.events.stored {
		types = append(types, m.EventType)
	}
	h.mu.Unlock()
	want := "channel_created,channel_created,client_subscribed,client_subscribed,client_unsubscribed,channel_destroyed,channel_created"
	if got := join(types); got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}

func TestInactivityAndExpiry(t *testing.T) {
	h, c := newTestHub(t, Config{ChannelInactivity: 5 * time.Second, MessageTTL: time.Second})
	pub(t, h, "ch", "m", true)
	c.Add(4 * time.Second)
	h.Tick()
	if s := h.Summary(); s.Stored != 0 || s.MessagesInTrash != 1 || s.Channels != 1 {
		t.Fatalf("after expiry %+v", s)
	}
	c.Add(4 * time.Second)
	h.Tick()
	if s := h.Summary(); s.Channels != 0 || s.ChannelsInTrash != 1 {
		t.Fatalf("after inactivity %+v", s)
	}
	for i := 0; i < 5; i++ {
		c.Add(4 * time.Second)
		h.Tick()
	}
	if s := h.Summary(); s.ChannelsInTrash != 0 || s.MessagesInTrash != 0 || h.MemoryUsed() != 0 {
		t.Fatalf("trash not emptied %+v mem %d", s, h.MemoryUsed())
	}
}

func TestLimits(t *testing.T) {
	h, _ := newTestHub(t, Config{MaxChannels: 1, WildcardPrefix: "bd_", MaxWildcardChannels: 1})
	if err := h.Ensure("a"); err != nil {
		t.Fatal(err)
	}
	if err := h.Ensure("b"); err != ErrTooManyChannels {
		t.Fatalf("2nd channel: %v", err)
	}
	if err := h.Ensure("bd_1"); err != nil {
		t.Fatal(err)
	}
	if err := h.Ensure("bd_2"); err != ErrTooManyChannels {
		t.Fatalf("2nd wildcard: %v", err)
	}
}

func TestTickCollectsEveryIdleChannel(t *testing.T) {
	// Many channels going idle in one tick: none may be skipped while the
	// creation-order list is compacted.
	h, c := newTestHub(t, Config{ChannelInactivity: time.Second})
	for i := 0; i < 500; i++ {
		if err := h.Ensure(fmt.Sprint("ch", i)); err != nil {
			t.Fatal(err)
		}
	}
	c.Add(2 * time.Second)
	h.Tick()
	if s := h.Summary(); s.Channels != 0 || s.ChannelsInTrash != 500 {
		t.Fatalf("one tick must collect all idle channels: %+v", s)
	}
	if got := len(h.List("")); got != 0 {
		t.Fatalf("listing after collection: %d", got)
	}
}
