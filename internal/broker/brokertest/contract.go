package brokertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/broker"
)

// Factory returns n brokers that share one fresh state, as n nodes of a
// cluster would. The test closes them.
type Factory func(t *testing.T, n int) []broker.Broker

// Run runs the broker contract against brokers made by f.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, f Factory)
	}{
		{"IDsTagsAndTimesAgree", testIDsTags},
		{"StoredHistoryBounded", testHistory},
		{"DeliveryOnlyToSubscribers", testDelivery},
		{"DeleteReachesEveryNode", testDelete},
		{"EnsureOnceAndLimits", testEnsure},
		{"StatsAcrossNodes", testStats},
		{"TTLAndSweep", testTTLSweep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, f) })
	}
}

func start(t *testing.T, f Factory, n int) ([]broker.Broker, []*Recorder) {
	t.Helper()
	bs := f(t, n)
	recs := make([]*Recorder, n)
	for i, b := range bs {
		recs[i] = &Recorder{}
		if err := b.Start(recs[i]); err != nil {
			t.Fatalf("start: %v", err)
		}
		t.Cleanup(func() { _ = b.Close() })
	}
	return bs, recs
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func pub(t *testing.T, b broker.Broker, id, text string, store bool) broker.Message {
	t.Helper()
	m, err := b.Publish(ctx(t), id, broker.Publish{Text: []byte(text), Store: store, Count: true, TTL: time.Minute, Inactivity: 30 * time.Second})
	if err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	return m
}

func testIDsTags(t *testing.T, f Factory) {
	bs, _ := start(t, f, 2)
	var ms []broker.Message
	for i := 0; i < 6; i++ {
		ms = append(ms, pub(t, bs[i%2], "a", fmt.Sprint(i), true))
	}
	for i, m := range ms {
		if m.ID != int64(i+1) || m.Channel != "a" || string(m.Text) != fmt.Sprint(i) {
			t.Fatalf("message %d: %+v", i, m)
		}
		if m.Expires != m.Time+60 {
			t.Fatalf("expires %d, time %d", m.Expires, m.Time)
		}
		if i > 0 {
			p := ms[i-1]
			if m.Time < p.Time || (m.Time == p.Time && m.Tag != p.Tag+1) || (m.Time > p.Time && m.Tag != 1) {
				t.Fatalf("tags are server wide per second: %+v after %+v", m, p)
			}
		}
	}
	if m := pub(t, bs[1], "b", "x", true); m.ID != 1 {
		t.Fatalf("ids are per channel: %d", m.ID)
	}
	m, err := bs[0].Publish(ctx(t), "e", broker.Publish{Text: []byte("t"), EventID: "", HasEventID: true, EventType: "ty", HasEventType: true, TTL: time.Minute, Store: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := bs[1].History(ctx(t), "e")
	if err != nil || len(h.Messages) != 1 {
		t.Fatalf("history %+v %v", h, err)
	}
	got := h.Messages[0]
	if got.ID != m.ID || got.Time != m.Time || got.Tag != m.Tag || !got.HasEventID || got.EventID != "" || !got.HasEventType || got.EventType != "ty" || string(got.Text) != "t" {
		t.Fatalf("history differs from publish: %+v vs %+v", got, m)
	}
}

func testHistory(t *testing.T, f Factory) {
	bs, _ := start(t, f, 2)
	for i := 1; i <= 5; i++ {
		if _, err := bs[0].Publish(ctx(t), "h", broker.Publish{Text: []byte(fmt.Sprint(i)), Store: true, MaxStored: 3, TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	pub(t, bs[0], "h", "not stored", false)
	h, err := bs[1].History(ctx(t), "h")
	if err != nil {
		t.Fatal(err)
	}
	if h.LastID != 6 || len(h.Messages) != 3 || string(h.Messages[0].Text) != "3" || string(h.Messages[2].Text) != "5" {
		t.Fatalf("history %+v", h)
	}
	bin := string([]byte{0, 1, ' ', '\n', 0xff})
	pub(t, bs[0], "bin", bin, true)
	if h, _ := bs[1].History(ctx(t), "bin"); len(h.Messages) != 1 || string(h.Messages[0].Text) != bin {
		t.Fatalf("binary text: %+v", h)
	}
	if h, err := bs[1].History(ctx(t), "missing"); err != nil || h.LastID != 0 || len(h.Messages) != 0 {
		t.Fatalf("missing channel: %+v %v", h, err)
	}
}

func testDelivery(t *testing.T, f Factory) {
	bs, recs := start(t, f, 3)
	for _, b := range bs[:2] {
		if err := b.Subscribe(ctx(t), "d"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		pub(t, bs[2], "d", fmt.Sprint(i), false)
	}
	pub(t, bs[2], "other", "x", false)
	for _, r := range recs[:2] {
		Eventually(t, 5*time.Second, "20 messages", func() bool { return len(r.Messages()) == 20 })
		for i, m := range r.Messages() {
			if m.Channel != "d" || m.ID != int64(i+1) {
				t.Fatalf("order: %d -> %+v", i, m)
			}
		}
	}
	if err := bs[0].Unsubscribe(ctx(t), "d"); err != nil {
		t.Fatal(err)
	}
	pub(t, bs[2], "d", "after", false)
	Eventually(t, 5*time.Second, "node 1 gets 21", func() bool { return len(recs[1].Messages()) == 21 })
	if n := len(recs[0].Messages()); n != 20 || len(recs[2].Messages()) != 0 {
		t.Fatalf("unsubscribed node got %d, unsubscribed node 2 got %d", n, len(recs[2].Messages()))
	}
}

func testDelete(t *testing.T, f Factory) {
	bs, recs := start(t, f, 2)
	if _, err := bs[0].Ensure(ctx(t), "x", false, 0, time.Minute); err != nil {
		t.Fatal(err)
	}
	pub(t, bs[0], "x", "1", true)
	if err := bs[1].Subscribe(ctx(t), "x"); err != nil {
		t.Fatal(err)
	}
	ok, err := bs[0].Delete(ctx(t), "x", []byte("bye"))
	if err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	Eventually(t, 5*time.Second, "delete on node 1", func() bool { return len(recs[1].Deletes()) == 1 })
	if ok, _ := bs[1].Delete(ctx(t), "x", nil); ok {
		t.Fatal("second delete found the channel")
	}
	if _, ok, _ := bs[1].Channel(ctx(t), "x"); ok {
		t.Fatal("deleted channel still listed")
	}
	if h, _ := bs[1].History(ctx(t), "x"); len(h.Messages) != 0 || h.LastID != 0 {
		t.Fatalf("history survived delete: %+v", h)
	}
	if m := pub(t, bs[1], "x", "again", true); m.ID != 1 {
		t.Fatalf("ids restart after delete: %d", m.ID)
	}
}

func testEnsure(t *testing.T, f Factory) {
	bs, _ := start(t, f, 2)
	c1, err1 := bs[0].Ensure(ctx(t), "c1", false, 2, time.Minute)
	c2, err2 := bs[1].Ensure(ctx(t), "c1", false, 2, time.Minute)
	if !c1 || c2 || err1 != nil || err2 != nil {
		t.Fatalf("created once: %v %v %v %v", c1, c2, err1, err2)
	}
	if _, err := bs[1].Ensure(ctx(t), "c2", false, 2, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := bs[0].Ensure(ctx(t), "c3", false, 2, time.Minute); !errors.Is(err, broker.ErrTooManyChannels) {
		t.Fatalf("limit: %v", err)
	}
	if _, err := bs[0].Ensure(ctx(t), "w1", true, 1, time.Minute); err != nil {
		t.Fatalf("wildcard channels count apart: %v", err)
	}
	if _, err := bs[0].Ensure(ctx(t), "w2", true, 1, time.Minute); !errors.Is(err, broker.ErrTooManyChannels) {
		t.Fatalf("wildcard limit: %v", err)
	}
	p := broker.Publish{Text: []byte("x"), TTL: time.Minute, Wildcard: true, MaxChannels: 2}
	m1, err1 := bs[0].Publish(ctx(t), "w2", p)
	m2, err2 := bs[1].Publish(ctx(t), "w2", p)
	if err1 != nil || err2 != nil || !m1.Created || m2.Created {
		t.Fatalf("publish registers once: %v %v %v %v", m1.Created, m2.Created, err1, err2)
	}
	if _, err := bs[0].Publish(ctx(t), "w3", p); !errors.Is(err, broker.ErrTooManyChannels) {
		t.Fatalf("publish past the limit: %v", err)
	}
	list, err := bs[1].Channels(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if fmt.Sprint(ids) != "[c1 c2 w1 w2]" || !list[2].Wildcard || !list[3].Wildcard {
		t.Fatalf("creation order: %v", list)
	}
}

func testStats(t *testing.T, f Factory) {
	bs, _ := start(t, f, 3)
	if _, err := bs[0].Ensure(ctx(t), "s", false, 0, time.Minute); err != nil {
		t.Fatal(err)
	}
	pub(t, bs[0], "s", "1", true)
	pub(t, bs[1], "s", "2", false)
	if _, err := bs[0].Ensure(ctx(t), "ev", false, 0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := bs[0].Publish(ctx(t), "ev", broker.Publish{Text: []byte("e"), Store: true, TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	for i, b := range bs {
		if err := b.Report(ctx(t), broker.NodeReport{Subscribers: int64(i + 1), Channels: map[string]int64{"s": int64(i + 1)}}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	st, ok, err := bs[0].Channel(ctx(t), "s")
	if err != nil || !ok {
		t.Fatalf("channel: %v %v", ok, err)
	}
	if st.LastID != 2 || st.Stored != 1 || st.Subscribers != 2+3 {
		t.Fatalf("stat %+v (subscribers are the OTHER nodes')", st)
	}
	tot, err := bs[2].Totals(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if tot.Published != 2 || tot.Stored != 2 || tot.Subscribers != 1+2 {
		t.Fatalf("totals %+v", tot)
	}
	_ = bs[1].Close()
	Eventually(t, 10*time.Second, "closed node's counts expire", func() bool {
		st, _, err := bs[0].Channel(ctx(t), "s")
		return err == nil && st.Subscribers == 3
	})
}

func testTTLSweep(t *testing.T, f Factory) {
	bs, _ := start(t, f, 2)
	if _, err := bs[0].Ensure(ctx(t), "ttl", false, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := bs[0].Publish(ctx(t), "ttl", broker.Publish{Text: []byte("x"), Store: true, TTL: time.Second, Inactivity: time.Second}); err != nil {
		t.Fatal(err)
	}
	if _, err := bs[0].Ensure(ctx(t), "kept", false, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := bs[0].Ensure(ctx(t), "events", false, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 5*time.Second, "message expires", func() bool {
		h, err := bs[1].History(ctx(t), "ttl")
		return err == nil && len(h.Messages) == 0 && h.LastID == 1
	})
	var swept []string
	Eventually(t, 10*time.Second, "idle channels swept", func() bool {
		for _, b := range bs {
			if err := b.Report(ctx(t), broker.NodeReport{Channels: map[string]int64{}}, time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if err := bs[1].Report(ctx(t), broker.NodeReport{Subscribers: 1, Channels: map[string]int64{"kept": 1}}, time.Second); err != nil {
			t.Fatal(err)
		}
		ids, err := bs[0].Sweep(ctx(t), "events")
		if err != nil {
			t.Fatal(err)
		}
		swept = append(swept, ids...)
		return len(swept) > 0
	})
	if fmt.Sprint(swept) != "[ttl]" {
		t.Fatalf("swept %v, want [ttl] (kept has a subscriber, events is kept)", swept)
	}
	if _, ok, _ := bs[1].Channel(ctx(t), "ttl"); ok {
		t.Fatal("swept channel still registered")
	}
}
