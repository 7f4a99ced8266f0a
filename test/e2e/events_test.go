package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// eventsConf is the events-channel.md §3 setup: events channel "events", store off, template
// `text: ~text~\nchannel: ~channel~`, header "H" so subscribers get their head at once.
func eventsConf() Conf {
	return Conf{
		PublisherMode: "admin",
		HTTP: map[string]string{
			"push_stream_events_channel_id":                   "events",
			"push_stream_allow_connections_to_events_channel": "on",
			"push_stream_store_messages":                      "off",
			"push_stream_message_template":                    `text: ~text~\nchannel: ~channel~`,
			"push_stream_header_template":                     "H",
			"push_stream_footer_template":                     "",
		},
		ExtraLocations: "    location ~ /sub2/(.*)? {\n      push_stream_subscriber;\n      push_stream_channels_path \"$1\";\n      push_stream_allow_connections_to_events_channel off;\n    }",
	}
}

func eventText(typ, ch string) string {
	return fmt.Sprintf("text: {\"type\": \"%s\", \"channel\": \"%s\"}\nchannel: events", typ, ch)
}

// openEvents subscribes the events channel and consumes the header chunk.
func openEvents(t *testing.T, s *Server) *Conn {
	t.Helper()
	c, head := s.OpenStream(t, "/sub/events", nil)
	if head.Status != 200 {
		t.Fatalf("events subscriber: %d\n%s", head.Status, head.RawHeader)
	}
	if ch, err := c.ReadChunk(5 * time.Second); err != nil || string(ch) != "H" {
		t.Fatalf("header chunk %q %v", ch, err)
	}
	return c
}

func expectChunk(t *testing.T, c *Conn, d time.Duration, want string) {
	t.Helper()
	ch, err := c.ReadChunk(d)
	if err != nil || string(ch) != want {
		t.Fatalf("chunk %q (%v), want %q", ch, err, want)
	}
}

func TestEventsChannelExistence(t *testing.T) {
	t.Parallel()
	s := Start(t, eventsConf())
	m := s.Stats(t, "")
	if Num(t, m, "channels") != 1 {
		t.Errorf("fresh server channels = %d, want 1 (events channel)", Num(t, m, "channels"))
	}
	all := Infos(t, s.Stats(t, "ALL"))
	if len(all) != 1 || all[0]["channel"] != "events" {
		t.Errorf("ALL = %v", all)
	}
	s.PublishOK(t, "ch_user", "x")
	if n := Num(t, s.Stats(t, ""), "channels"); n != 2 {
		t.Errorf("channels = %d, want 2", n)
	}
	// Reading is allowed, writing refused with counters unchanged.
	before := s.Do(t, "GET", "/pub?id=events", nil, nil)
	if before.Status != 200 {
		t.Fatalf("GET events: %d", before.Status)
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		var body []byte
		if m != "DELETE" {
			body = []byte("x")
		}
		assertHeaderOnly(t, s.Do(t, m, "/pub?id=events", body, nil), 403, "Only internal routines can change events channel.")
	}
	if after := s.Do(t, "GET", "/pub?id=events", nil, nil); string(after.Body) != string(before.Body) {
		t.Errorf("events counters changed: %q → %q", before.Body, after.Body)
	}
	// The events message is stored although store is off, and is not in the summary counters.
	ev := s.Stats(t, "events")
	if Num(t, ev, "published_messages") != 1 || Num(t, ev, "stored_messages") != 1 {
		t.Errorf("events channel %v, want 1 published (channel_created) and 1 stored", ev)
	}
	sum := s.Stats(t, "")
	if Num(t, sum, "published_messages") != 1 || Num(t, sum, "stored_messages") != 0 {
		t.Errorf("summary %v: events must not count", sum)
	}
	// Subscribing needs the allow flag of the location.
	_, head := s.OpenStream(t, "/sub2/events", nil)
	if head.Status != 403 || !head.HasRawHeader("X-Nginx-PushStream-Explain", "Subscription to events channel is not allowed.") {
		t.Errorf("sub2/events: %d\n%s", head.Status, head.RawHeader)
	}
	openEvents(t, s)
	// Subscribing the events channel produces no event.
	if ev := s.Stats(t, "events"); Num(t, ev, "published_messages") != 1 {
		t.Errorf("subscription to events produced an event: %v", ev)
	}
}

func TestEventsChannelSequence(t *testing.T) {
	t.Parallel()
	s := Start(t, eventsConf())
	ev := openEvents(t, s)

	s.PublishOK(t, "ch_a", "x")
	expectChunk(t, ev, 5*time.Second, eventText("channel_created", "ch_a"))

	sub, head := s.OpenStream(t, "/sub/ch_a", nil)
	if head.Status != 200 {
		t.Fatalf("sub ch_a: %d", head.Status)
	}
	expectChunk(t, ev, 5*time.Second, eventText("client_subscribed", "ch_a"))

	// A subscriber creating its channel: channel_created then client_subscribed.
	s.OpenStream(t, "/sub/ch_b", nil)
	expectChunk(t, ev, 5*time.Second, eventText("channel_created", "ch_b"))
	expectChunk(t, ev, 5*time.Second, eventText("client_subscribed", "ch_b"))

	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id=ch_a", nil, nil), 200, "Channel deleted.")
	expectChunk(t, ev, 2*time.Second, eventText("client_unsubscribed", "ch_a"))
	expectChunk(t, ev, 6*time.Second, eventText("channel_destroyed", "ch_a"))
	_ = sub

	// A subscriber going away: client_unsubscribed.
	c, _ := s.OpenStream(t, "/sub/ch_c", nil)
	expectChunk(t, ev, 5*time.Second, eventText("channel_created", "ch_c"))
	expectChunk(t, ev, 5*time.Second, eventText("client_subscribed", "ch_c"))
	c.Close()
	expectChunk(t, ev, 5*time.Second, eventText("client_unsubscribed", "ch_c"))
}

func TestEventsChannelCounts(t *testing.T) {
	t.Parallel()
	c := eventsConf()
	c.HTTP["push_stream_subscriber_connection_ttl"] = "8s"
	c.HTTP["push_stream_channel_inactivity_time"] = "2s"
	s := Start(t, c)
	for i := 1; i <= 20; i++ {
		if _, head := s.OpenStream(t, fmt.Sprintf("/sub/ch_%d", i), nil); head.Status != 200 {
			t.Fatalf("sub %d: %d", i, head.Status)
		}
	}
	evPub := func() int { return Num(t, s.Stats(t, "events"), "published_messages") }
	Eventually(t, 5*time.Second, func() bool { return evPub() == 40 }, "events published_messages != 40 after 20 subscribers")
	if n := Num(t, s.Stats(t, "events"), "stored_messages"); n != 20 {
		t.Errorf("events stored_messages = %d, want 20 (max stored)", n)
	}
	ids := make([]string, 0, 10)
	for i := 1; i <= 10; i++ {
		ids = append(ids, fmt.Sprintf("ch_%d", i))
	}
	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id="+strings.Join(ids, "/"), nil, nil), 200, "Channel deleted.")
	Eventually(t, 6*time.Second, func() bool { return evPub() == 60 }, "events published_messages != 60 after deleting 10")
	Eventually(t, 20*time.Second, func() bool { return evPub() == 80 }, "events published_messages != 80 after ttl and inactivity")
	all := Infos(t, s.Stats(t, "ALL"))
	if len(all) != 1 || all[0]["channel"] != "events" {
		t.Errorf("ALL = %v", all)
	}
}

// TestEventsChannelTags: events share the server-wide per-second tag with user messages (README §1).
func TestEventsChannelTags(t *testing.T) {
	t.Parallel()
	c := eventsConf()
	c.HTTP["push_stream_message_template"] = "~tag~|~time~|~text~"
	s := Start(t, c)
	ev := openEvents(t, s)
	type stamp struct {
		tag  int
		time string
	}
	var stamps []stamp
	for i := 0; i < 6; i++ {
		s.PublishOK(t, fmt.Sprintf("ch_tag_%d", i), "x")
		ch, err := ev.ReadChunk(5 * time.Second)
		if err != nil {
			t.Fatalf("event chunk: %v", err)
		}
		parts := strings.SplitN(string(ch), "|", 3)
		if len(parts) != 3 || parts[2] != fmt.Sprintf(`{"type": "channel_created", "channel": "ch_tag_%d"}`, i) {
			t.Fatalf("event %q", ch)
		}
		tag, err := strconv.Atoi(parts[0])
		if err != nil {
			t.Fatalf("tag %q", parts[0])
		}
		stamps = append(stamps, stamp{tag, parts[1]})
	}
	// Between two events each publish also made one user message with the same counter.
	for i := 1; i < len(stamps); i++ {
		a, b := stamps[i-1], stamps[i]
		if a.time == b.time && b.tag <= a.tag {
			t.Errorf("same second %s: tag %d then %d, want increasing", a.time, a.tag, b.tag)
		}
		if a.time == b.time && b.tag != a.tag+2 {
			t.Errorf("same second %s: tag %d then %d, want +2 (the user message between them)", a.time, a.tag, b.tag)
		}
		if a.time != b.time && b.tag > 2 {
			t.Errorf("new second %s: tag %d, want restart (1, or 2 after the user message)", b.time, b.tag)
		}
	}
}

// TestEventsChannelAfterReload: events keep flowing to a connected events subscriber after a HUP.
func TestEventsChannelAfterReload(t *testing.T) {
	t.Parallel()
	s := Start(t, eventsConf())
	ev := openEvents(t, s)
	s.PublishOK(t, "ch_before", "x")
	expectChunk(t, ev, 5*time.Second, eventText("channel_created", "ch_before"))
	s.Signal(t, syscall.SIGHUP)
	s.PublishOK(t, "ch_after", "x")
	expectChunk(t, ev, 5*time.Second, eventText("channel_created", "ch_after"))
	if n := Num(t, s.Stats(t, "events"), "published_messages"); n != 2 {
		t.Errorf("events published_messages = %d, want 2", n)
	}
}

// TestEventsLongPolling: a long-polling request emits client_subscribed when it starts waiting; the
// events subscriber is itself a long-poll answered by that event.
func TestEventsLongPolling(t *testing.T) {
	t.Parallel()
	c := eventsConf()
	c.SubscriberMode = "long-polling"
	c.HTTP["push_stream_header_template"] = ""
	s := Start(t, c)
	const ch = "ch_test_send_event_client_subscribed"
	s.PublishOK(t, ch, "any content")
	ev := s.Dial(t)
	ev.Send(BuildRequest("GET", "/sub/events", nil, nil))
	Eventually(t, 5*time.Second, func() bool { return Num(t, s.Stats(t, "events"), "subscribers") == 1 }, "events long-poll not waiting")
	s.Dial(t).Send(BuildRequest("GET", "/sub/"+ch, nil, nil))
	r := ev.ReadResp(5*time.Second, false)
	if want := eventText("client_subscribed", ch); r.Status != 200 || string(r.Body) != want {
		t.Errorf("events long-poll: %d %q, want %q", r.Status, r.Body, want)
	}
}

// TestEventsUnsubscribeByTimeout: a subscriber reaching its ttl emits client_unsubscribed.
func TestEventsUnsubscribeByTimeout(t *testing.T) {
	t.Parallel()
	c := eventsConf()
	c.HTTP["push_stream_subscriber_connection_ttl"] = "2s"
	s := Start(t, c)
	const ch = "ch_test_send_event_client_unsubscribed"
	sub, head := s.OpenStream(t, "/sub/"+ch, nil)
	if head.Status != 200 {
		t.Fatalf("subscriber %d", head.Status)
	}
	sub.Drain()
	// Events are always stored: poll the stored events (an events subscriber
	// would share the 2 s ttl and could end before the event is sent).
	want := eventText("client_unsubscribed", ch)
	Eventually(t, 6*time.Second, func() bool {
		r := s.Do(t, "GET", "/sub/events.b20", nil, map[string]string{"X-Nginx-PushStream-Mode": "polling"})
		return r.Status == 200 && strings.Contains(string(r.Body), want)
	}, "no client_unsubscribed event after the subscriber's ttl")
}

// TestEventsNeverCollected: the events channel survives inactivity collection; its events expire
// by ttl like any stored message (events-channel.md §1).
func TestEventsNeverCollected(t *testing.T) {
	t.Parallel()
	c := eventsConf()
	c.HTTP["push_stream_store_messages"] = "on"
	c.HTTP["push_stream_message_ttl"] = "2s"
	c.HTTP["push_stream_channel_inactivity_time"] = "1s"
	s := Start(t, c)
	const ch = "ch_test_not_collect_events_channel"
	s.PublishOK(t, ch, "any content")
	if r := s.Do(t, "GET", "/pub?id=events", nil, nil); string(r.Body) != singleJSON("events", 1, 1, 0) {
		t.Errorf("events after publish: %q", r.Body)
	}
	Eventually(t, 12*time.Second, func() bool { return s.Do(t, "GET", "/pub?id="+ch, nil, nil).Status == 404 }, "user channel not collected")
	if r := s.Do(t, "GET", "/pub?id=events", nil, nil); r.Status != 200 || !strings.HasPrefix(string(r.Body), `{"channel": "events", "published_messages": 2, `) {
		t.Errorf("events after collection: %d %q", r.Status, r.Body)
	}
	Eventually(t, 10*time.Second, func() bool {
		return string(s.Do(t, "GET", "/pub?id=events", nil, nil).Body) == singleJSON("events", 2, 0, 0)
	}, "events messages did not expire, or the events channel was collected")
	// Two more ticks: still there.
	start := time.Now()
	Eventually(t, 10*time.Second, func() bool { return time.Since(start) > 8*time.Second }, "clock")
	if r := s.Do(t, "GET", "/pub?id=events", nil, nil); string(r.Body) != singleJSON("events", 2, 0, 0) {
		t.Errorf("events channel after idle ticks: %d %q", r.Status, r.Body)
	}
	if n := Num(t, s.Stats(t, ""), "channels"); n != 1 {
		t.Errorf("channels = %d, want 1", n)
	}
}
