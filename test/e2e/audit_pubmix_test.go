package e2e

// Audit of the publisher and mix examples of the original acceptance suite: each test replays one
// example with the example's own configuration where our older tests used a different or weaker one.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// publish_messages "should publish many messages in the same channel": 1500 publishes, 500 per socket
// (keepalive_requests 500), and the subscriber receives every one, in order.
func TestAuditPubmixPubManyMessagesAllDelivered(t *testing.T) {
	t.Parallel()
	c := pubMessagesConf()
	c.HTTP["push_stream_message_template"] = "~text~|"
	c.HTTP["keepalive_requests"] = "500"
	s := Start(t, c)
	sub := subscribeNoHeader(t, s, "/sub/ch_many_all", 1)
	const n = 1500
	for i := 0; i < n; i += 500 {
		conn := s.Dial(t)
		for j := 1; j <= 500; j++ {
			conn.Send(BuildRequest("POST", "/pub?id=ch_many_all", []byte(fmt.Sprintf("published_message_%d", i+j)), nil))
			if r := conn.ReadResp(5*time.Second, false); r.StatusLine != "HTTP/1.1 200 OK" {
				t.Fatalf("publish %d: %q", i+j, r.StatusLine)
			}
		}
		conn.Close()
	}
	if head := sub.ReadHead(5 * time.Second); head.Status != 200 {
		t.Fatalf("subscriber %d", head.Status)
	}
	var want strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&want, "published_message_%d|", i)
	}
	if got := readStreamUntil(t, sub, want.Len(), 10*time.Second); string(got) != want.String() {
		t.Errorf("subscriber stream differs (%d bytes, want %d)", len(got), want.Len())
	}
}

// publish_messages "should accept messages with different bytes": with subscriber_connection_ttl 1s and
// no footer, the whole response body is exactly the 131072 published bytes, then the response ends.
func TestAuditPubmixPubDifferentBytesWholeResponse(t *testing.T) {
	t.Parallel()
	c := pubMessagesConf()
	c.HTTP["push_stream_subscriber_connection_ttl"] = "1s"
	c.Pub = map[string]string{"client_max_body_size": "130k", "client_body_buffer_size": "130k"}
	s := Start(t, c)
	body := allBytePairs()
	sub := subscribeNoHeader(t, s, "/sub/ch_bytes_all", 1)
	s.PublishOK(t, "ch_bytes_all", body)
	r := sub.ReadResp(5*time.Second, false)
	if r.Status != 200 || string(r.Body) != body {
		t.Errorf("status %d, body of %d bytes differs from the %d published", r.Status, len(r.Body), len(body))
	}
}

// publish_messages "should receive large messages": after the 4 MiB message, a 10 KiB one reaches both
// the live and the replaying subscriber as its own complete text.
func TestAuditPubmixPubLargeThenSmall(t *testing.T) {
	t.Parallel()
	c := pubMessagesConf()
	c.Pub = map[string]string{"client_max_body_size": "5m", "client_body_buffer_size": "1m"}
	c.HTTP["push_stream_shared_memory_size"] = "15m"
	c.HTTP["push_stream_subscriber_connection_ttl"] = "5s"
	s := Start(t, c)
	large := "^|" + strings.Repeat("0123456789", 419430) + "|$A"
	small := "^|" + strings.Repeat("0123456789", 1020) + "|$B"
	sub := subscribeNoHeader(t, s, "/sub/ch_large_small", 1)
	s.PublishOK(t, "ch_large_small", large)
	if head := sub.ReadHead(5 * time.Second); head.Status != 200 {
		t.Fatalf("subscriber %d", head.Status)
	}
	if got := readStreamUntil(t, sub, len(large), 10*time.Second); string(got) != large {
		t.Fatalf("large message altered")
	}
	old := subscribeNoHeader(t, s, "/sub/ch_large_small.b1", 2)
	if head := old.ReadHead(5 * time.Second); head.Status != 200 {
		t.Fatalf("replay subscriber %d", head.Status)
	}
	if got := readStreamUntil(t, old, len(large), 10*time.Second); string(got) != large {
		t.Fatalf("replayed large message altered")
	}
	s.PublishOK(t, "ch_large_small", small)
	for name, cn := range map[string]*Conn{"live": sub, "replay": old} {
		if got := readStreamUntil(t, cn, len(small), 5*time.Second); string(got) != small {
			t.Errorf("%s subscriber: small message altered (%d bytes)", name, len(got))
		}
	}
}

// rubyEventsConf is events_channel_spec's configuration: no header, no footer, store off, admin.
func rubyEventsConf(mode string) Conf {
	c := eventsConf()
	c.HTTP["push_stream_header_template"] = ""
	c.HTTP["push_stream_ping_message_interval"] = ""
	c.SubscriberMode = mode
	return c
}

// events_channel "should send an event when a channel is created": the events subscriber has no header
// template, so its first chunk is the event itself.
func TestAuditPubmixEventsCreatedNoHeader(t *testing.T) {
	t.Parallel()
	s := Start(t, rubyEventsConf(""))
	ev := subscribeNoHeader(t, s, "/sub/events", 1)
	s.PublishOK(t, "ch_test_send_event_channel_created", "any content")
	if head := ev.ReadHead(5 * time.Second); head.Status != 200 {
		t.Fatalf("events subscriber %d", head.Status)
	}
	expectChunk(t, ev, 5*time.Second, eventText("channel_created", "ch_test_send_event_channel_created"))
}

// events_channel "should send an event when a long-polling client subscribe to a channel": the whole
// long-polling answer on the events channel is the client_subscribed event.
func TestAuditPubmixEventsLongPollingWholeBody(t *testing.T) {
	t.Parallel()
	s := Start(t, rubyEventsConf("long-polling"))
	const ch = "ch_test_send_event_client_subscribed"
	s.PublishOK(t, ch, "any content")
	ev := s.Dial(t)
	ev.Send(BuildRequest("GET", "/sub/events", nil, nil))
	Eventually(t, 5*time.Second, func() bool { return Num(t, s.Stats(t, "events"), "subscribers") == 1 }, "events subscriber not counted")
	other := s.Dial(t)
	other.Send(BuildRequest("GET", "/sub/"+ch, nil, nil))
	r := ev.ReadResp(5*time.Second, false)
	if r.Status != 200 || string(r.Body) != eventText("client_subscribed", ch) {
		t.Errorf("events answer %d %q", r.Status, r.Body)
	}
}

// properties "should delete channels with subscribers": no header, footer FOOTER; each subscriber's whole
// response is the -2 message then the footer; in delete right after, in trash after the next tick.
func TestAuditPubmixDeleteChannelsWithSubscribersFooter(t *testing.T) {
	t.Parallel()
	c := Conf{PublisherMode: "admin", HTTP: map[string]string{
		"push_stream_header_template": "", "push_stream_footer_template": "FOOTER",
		"push_stream_ping_message_interval": "",
		"push_stream_message_template":      `{\"id\":\"~id~\", \"channel\":\"~channel~\", \"text\":\"~text~\"}`,
	}}
	s := Start(t, c)
	ch1, ch2 := "test_delete_channels_whith_subscribers_1", "test_delete_channels_whith_subscribers_2"
	sub1 := subscribeNoHeader(t, s, "/sub/"+ch1, 1)
	sub2 := subscribeNoHeader(t, s, "/sub/"+ch2, 2)
	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id="+ch1, nil, nil), 200, "Channel deleted.")
	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id="+ch2, nil, nil), 200, "Channel deleted.")
	for ch, sub := range map[string]*Conn{ch1: sub1, ch2: sub2} {
		r := sub.ReadResp(5*time.Second, false)
		want := `{"id":"-2", "channel":"` + ch + `", "text":"Channel deleted"}FOOTER`
		if r.Status != 200 || string(r.Body) != want {
			t.Errorf("%s: %d %q, want %q", ch, r.Status, r.Body, want)
		}
	}
	m := s.Stats(t, "")
	if Num(t, m, "subscribers") != 0 || Num(t, m, "channels") != 0 || Num(t, m, "channels_in_delete")+Num(t, m, "channels_in_trash") != 2 {
		t.Errorf("after delete: %v", m)
	}
	Eventually(t, 6*time.Second, func() bool {
		m := s.Stats(t, "")
		return Num(t, m, "channels_in_delete") == 0 && Num(t, m, "channels_in_trash") == 2
	}, "deleted channels not moved to the trash by the tick")
}

// keepalive "should accept subscribe many times using the same socket": the long-poll request is
// written and the publish follows at once on another socket, without waiting for the subscription
// (store off), 500 times; every long-poll must get its own message.
func TestAuditPubmixKeepaliveLongPollingNoWait(t *testing.T) {
	t.Parallel()
	c := keepaliveConf()
	c.HTTP["push_stream_store_messages"] = "off"
	c.SubscriberMode = "long-polling"
	s := Start(t, c)
	sub, pub := s.Dial(t), s.Dial(t)
	const ch = "ch_test_subscribe_with_keepalive"
	for j := 1; j <= 500; j++ {
		sub.Send("GET /sub/" + ch + " HTTP/1.1\r\nHost: test\r\n\r\n")
		msg := fmt.Sprintf("message to be sent %03d", j)
		if r := roundTrip(t, pub, "POST", "/pub?id="+ch, msg); r.Status != 200 {
			t.Fatalf("publish %d: %d", j, r.Status)
		}
		r, err := sub.TryReadResp(3*time.Second, false)
		if err != nil || r.Status != 200 || string(r.Body) != msg {
			t.Fatalf("long-poll %d: %v %v; channel now %v", j, r, err, s.Stats(t, ch))
		}
	}
	if strings.Contains(s.Stderr(), "DATA RACE") {
		t.Errorf("server reported a data race:\n%s", s.Stderr())
	}
}

// wildcard_properties: with authorized_channels_only on, a subscriber may add prefixed (wildcard)
// channels to an existing channel but not unknown ones; wildcard_channel_max_qtd caps how many.
func TestAuditPubmixWildcardProperties(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, qtd, refused, explain, accepted string
	}{
		{"prefix", "3", "/sub/ch_w/YYY_123", "Subscriber could not create channels.", "/sub/ch_w/XXX_123"},
		{"max qtd", "2", "/sub/ch_w/XXX_123/XXX_321/XXX_213", "Subscribed too much wildcard channels.", "/sub/ch_w/XXX_123/XXX_321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, Conf{HTTP: map[string]string{
				"push_stream_authorized_channels_only": "on", "push_stream_header_template": "connected",
				"push_stream_wildcard_channel_prefix": "XXX_", "push_stream_wildcard_channel_max_qtd": tc.qtd,
			}})
			s.PublishOK(t, "ch_w", "wildcard channel prefix")
			assertHeaderOnly(t, s.Do(t, "GET", tc.refused, nil, nil), 403, tc.explain)
			c, head := s.OpenStream(t, tc.accepted, nil)
			if head.Status != 200 {
				t.Fatalf("accepted path: %d\n%s", head.Status, head.RawHeader)
			}
			expectChunk(t, c, 5*time.Second, "connected")
		})
	}
}
