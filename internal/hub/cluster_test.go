package hub

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/broker/memory"
)

// newCluster3 starts three hubs sharing one in-process memory broker.
func newCluster3(t *testing.T, cfg Config) (*memory.Server, []*Hub) {
	t.Helper()
	srv := memory.NewServer(nil)
	hubs := make([]*Hub, 3)
	for i := range hubs {
		c := cfg
		c.Broker = srv.Node()
		hubs[i] = New(c)
		go hubs[i].Run()
		t.Cleanup(hubs[i].Close)
	}
	return srv, hubs
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *sink) texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.got))
	for i, m := range s.got {
		out[i] = string(m.Text)
	}
	return out
}

func TestClusterSubscribeAPublishBReplayC(t *testing.T) {
	_, h := newCluster3(t, Config{MaxStoredPerChannel: 10})
	a := &sink{}
	sub, _, err := h[0].Attach(a, []Want{{ID: "ch"}}, NoReplayPoint, AttachLive)
	if err != nil {
		t.Fatal(err)
	}
	var sent []*Message
	for i := 0; i < 3; i++ {
		m, err := h[1].Publish("ch", Publish{Text: []byte(fmt.Sprint(i)), Store: true})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	waitFor(t, "3 messages on A", func() bool { return len(a.texts()) == 3 })
	for i, m := range a.got {
		if m.ID != sent[i].ID || m.Tag != sent[i].Tag || m.Time != sent[i].Time {
			t.Fatalf("A got %+v, B published %+v", m, sent[i])
		}
	}
	_, replay, err := h[2].Attach(&sink{}, []Want{{ID: "ch", Backtrack: 2}}, NoReplayPoint, AttachNone)
	if err != nil || len(replay[0]) != 2 || string(replay[0][0].Text) != "1" || replay[0][1].ID != 3 {
		t.Fatalf("replay on C: %v %v", replay, err)
	}
	p := ReplayPoint{Time: sent[0].Time, Tag: sent[0].Tag}
	_, replay, _ = h[2].Attach(&sink{}, []Want{{ID: "ch"}}, p, AttachNone)
	if len(replay[0]) != 2 {
		t.Fatalf("If-Modified-Since replay on C: %d messages", len(replay[0]))
	}
	h[0].Detach(sub)
	h[0].cl.heartbeat()
	if h[0].cl.localSubs("ch") != 0 {
		t.Fatal("local subscription left after detach")
	}
}

func TestClusterLiveAfterBacktrackHasNoDuplicate(t *testing.T) {
	_, h := newCluster3(t, Config{})
	for i := 0; i < 3; i++ {
		if _, err := h[1].Publish("d", Publish{Text: []byte(fmt.Sprint(i)), Store: true}); err != nil {
			t.Fatal(err)
		}
	}
	s := &sink{}
	_, replay, err := h[0].Attach(s, []Want{{ID: "d", Backtrack: 5}}, NoReplayPoint, AttachLive)
	if err != nil || len(replay[0]) != 3 {
		t.Fatalf("replay %v %v", replay, err)
	}
	if _, err := h[2].Publish("d", Publish{Text: []byte("live"), Store: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "live message", func() bool { return len(s.texts()) == 1 })
	if got := s.texts(); got[0] != "live" {
		t.Fatalf("live %v", got)
	}
}

func TestClusterDeletePropagatesAndStatsSum(t *testing.T) {
	_, h := newCluster3(t, Config{})
	sinks := []*sink{{}, {}}
	for i, s := range sinks {
		if _, _, err := h[i].Attach(s, []Want{{ID: "x"}, {ID: "y"}}, NoReplayPoint, AttachLive); err != nil {
			t.Fatal(err)
		}
	}
	// Each node's Run also sends heartbeats; a report of theirs taken before
	// the Attach may land after ours, so wait for the counts to settle.
	for i, hb := range h {
		waitFor(t, fmt.Sprint("cluster-wide counts on node ", i), func() bool {
			for _, n := range h {
				n.cl.heartbeat()
			}
			ci, ok := hb.Info("x")
			s := hb.Summary()
			return ok && ci.Subscribers == 2 && s.Subscribers == 2 && s.Channels == 2
		})
	}
	if n, err := h[2].DeleteChannels([]string{"x", "nope"}, []byte("gone")); n != 1 || err != nil {
		t.Fatalf("delete %d %v", n, err)
	}
	for i, s := range sinks {
		waitFor(t, fmt.Sprint("delete on node ", i), func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.deleted) == 1
		})
		if string(s.deleted[0].Text) != "gone" || s.deleted[0].ID != IDDeleted || s.remain[0] != 1 {
			t.Fatalf("node %d deleted %+v remain %v", i, s.deleted[0], s.remain)
		}
	}
	if _, ok := h[0].Info("x"); ok {
		t.Fatal("x still exists")
	}
}

func TestClusterBrokerDown(t *testing.T) {
	srv, h := newCluster3(t, Config{})
	s := &sink{}
	sub, _, err := h[0].Attach(s, []Want{{ID: "f"}}, NoReplayPoint, AttachLive)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetDown(true)
	if _, err := h[1].Publish("f", Publish{Text: []byte("x")}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("publish while down: %v", err)
	}
	if _, _, err := h[1].Attach(&sink{}, []Want{{ID: "f"}}, NoReplayPoint, AttachLive); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("attach while down: %v", err)
	}
	if _, err := h[1].DeleteChannels([]string{"f"}, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("delete while down: %v", err)
	}
	srv.SetDown(false)
	if _, err := h[1].Publish("f", Publish{Text: []byte("back")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "message after recovery", func() bool { return len(s.texts()) == 1 })
	h[0].Detach(sub)
}

func TestClusterEventsChannelIsShared(t *testing.T) {
	_, h := newCluster3(t, Config{EventsChannelID: "events"})
	ev := &sink{}
	if _, _, err := h[0].Attach(ev, []Want{{ID: "events"}}, NoReplayPoint, AttachLive); err != nil {
		t.Fatal(err)
	}
	if _, err := h[1].Publish("events", Publish{Text: []byte("x")}); !errors.Is(err, ErrEventsChannel) {
		t.Fatalf("publish to events: %v", err)
	}
	if _, err := h[1].Publish("new", Publish{Text: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "channel_created from node B", func() bool {
		for _, s := range ev.texts() {
			if s == `{"type": "channel_created", "channel": "new"}` {
				return true
			}
		}
		return false
	})
}
