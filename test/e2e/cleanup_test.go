package e2e

import (
	"testing"
	"time"
)

// Memory cleanup (README §1 trash lifecycle, limits.md §2/§3): fill a small zone, wait for the trash to
// empty within the pinned time, fill again and get exactly the same counts.

func cleanupConf() Conf {
	return Conf{HTTP: map[string]string{
		"push_stream_shared_memory_size":              "129k",
		"push_stream_message_ttl":                     "10s",
		"push_stream_max_messages_stored_per_channel": "",
		"keepalive_requests":                          "200",
	}}
}

const cleanupBody = "message to create a channel"

// waitTrashEmpty polls the summary (every 250 ms) until both trashes are empty (and, as asked, no stored
// message, no channel, nothing in delete), then checks the elapsed time is expected ± 5 s.
func waitTrashEmpty(t *testing.T, s *Server, start time.Time, expected time.Duration, checkStored, checkChannels bool) map[string]any {
	t.Helper()
	deadline := start.Add(expected + 6*time.Second)
	for {
		m := s.Stats(t, "")
		done := Num(t, m, "messages_in_trash") == 0 && Num(t, m, "channels_in_trash") == 0 &&
			(!checkStored || Num(t, m, "stored_messages") == 0) &&
			(!checkChannels || (Num(t, m, "channels") == 0 && Num(t, m, "channels_in_delete") == 0))
		if done {
			if d := time.Since(start); d < expected-5*time.Second {
				t.Errorf("trash empty after %v, want %v ± 5s", d, expected)
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("trash not empty after %v (want %v ± 5s): %v", time.Since(start), expected, m)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestCleanupPublishedMessages(t *testing.T) {
	t.Parallel()
	c := cleanupConf()
	c.HTTP["push_stream_max_messages_stored_per_channel"] = "100"
	s := Start(t, c)
	const ch = "ch_test_message_cleanup"
	// A subscriber keeps the channel from being collected.
	sub, head := s.OpenStream(t, "/sub/"+ch, nil)
	if head.Status != 200 {
		t.Fatalf("subscriber %d", head.Status)
	}
	sub.Drain()
	n1, r := fillMemory(t, s, ch, 0, cleanupBody)
	if r.Status != 500 {
		t.Fatalf("fill ended with %d", r.Status)
	}
	start := time.Now()
	m := s.Stats(t, "")
	stored, published, trash := Num(t, m, "stored_messages"), Num(t, m, "published_messages"), Num(t, m, "messages_in_trash")
	if stored != 100 || published <= 100 || published != stored+trash || published != n1 {
		t.Errorf("after fill: %v (fill %d)", m, n1)
	}
	waitTrashEmpty(t, s, start, 25*time.Second, true, false)
	n2, r := fillMemory(t, s, ch, 0, cleanupBody)
	if r.Status != 500 || n2 != n1 {
		t.Errorf("refill published %d then %d, first fill %d", n2, r.Status, n1)
	}
	if st := Num(t, s.Stats(t, ""), "stored_messages"); st != stored {
		t.Errorf("stored after refill %d, first fill %d", st, stored)
	}
}

func TestCleanupStoreOffWithSubscriber(t *testing.T) {
	t.Parallel()
	c := cleanupConf()
	c.HTTP["push_stream_store_messages"] = "off"
	s := Start(t, c)
	const ch = "ch_test_message_cleanup_with_store_off_with_subscriber"
	sub, head := s.OpenStream(t, "/sub/"+ch, nil)
	if head.Status != 200 {
		t.Fatalf("subscriber %d", head.Status)
	}
	sub.Drain()
	n1, r := fillMemory(t, s, ch, 0, cleanupBody)
	if r.Status != 500 || n1 == 0 {
		t.Fatalf("fill: %d then %d", n1, r.Status)
	}
	start := time.Now()
	if m := s.Stats(t, ""); Num(t, m, "stored_messages") != 0 || Num(t, m, "messages_in_trash") != n1 {
		t.Errorf("after fill of %d with store off: %v", n1, m)
	}
	waitTrashEmpty(t, s, start, 15*time.Second, true, false)
	n2, r := fillMemory(t, s, ch, 0, cleanupBody)
	if r.Status != 500 || n2 != n1 {
		t.Errorf("refill published %d then %d, first fill %d", n2, r.Status, n1)
	}
}

func TestCleanupChannels(t *testing.T) {
	if testing.Short() {
		t.Skip("45 s wait")
	}
	t.Parallel()
	c := cleanupConf()
	c.HTTP["push_stream_message_ttl"] = "2s"
	s := Start(t, c)
	n1, r := fillMemory(t, s, "ch_test_channel_cleanup_%d", 0, cleanupBody)
	if r.Status != 500 || n1 == 0 {
		t.Fatalf("fill: %d then %d", n1, r.Status)
	}
	start := time.Now()
	ch1 := Num(t, s.Stats(t, ""), "channels")
	waitTrashEmpty(t, s, start, 45*time.Second, true, true)
	n2, r := fillMemory(t, s, "ch_test_channel_cleanup_%d", 0, cleanupBody)
	if r.Status != 500 || n2 != n1 {
		t.Errorf("refill published %d then %d, first fill %d", n2, r.Status, n1)
	}
	if ch2 := Num(t, s.Stats(t, ""), "channels"); ch2 != ch1 {
		t.Errorf("channels after refill %d, first fill %d", ch2, ch1)
	}
}

func TestCleanupDeletedChannels(t *testing.T) {
	t.Parallel()
	c := cleanupConf()
	c.PublisherMode = "admin"
	s := Start(t, c)
	const chFmt = "ch_test_channel_cleanup_after_delete%d"
	n1, r := fillMemory(t, s, chFmt, 0, cleanupBody)
	if r.Status != 500 || n1 == 0 {
		t.Fatalf("fill: %d then %d", n1, r.Status)
	}
	conn := s.Dial(t)
	for _, info := range Infos(t, s.Stats(t, "ALL")) {
		id := info["channel"].(string)
		if r := roundTrip(t, conn, "DELETE", "/pub?id="+id, ""); r.Status != 200 {
			t.Fatalf("delete %s: %d", id, r.Status)
		}
	}
	start := time.Now()
	m := s.Stats(t, "")
	if Num(t, m, "channels") != 0 || Num(t, m, "channels_in_delete") == 0 || Num(t, m, "channels_in_trash") != 0 {
		t.Errorf("right after deleting: %v", m)
	}
	pub1 := Num(t, m, "published_messages")
	waitTrashEmpty(t, s, start, 15*time.Second, true, true)
	n2, r := fillMemory(t, s, chFmt, 0, cleanupBody)
	if r.Status != 500 || n2 != n1 {
		t.Errorf("refill published %d then %d, first fill %d", n2, r.Status, n1)
	}
	if pub2 := Num(t, s.Stats(t, ""), "published_messages"); pub2 != 2*pub1 {
		t.Errorf("published after refill %d, want 2×%d", pub2, pub1)
	}
}
