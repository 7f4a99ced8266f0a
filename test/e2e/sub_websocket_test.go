package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// WebSocket (subscriber.md §8, worked example (g), pitfall 9).

const subWSUpgrade = "GET %s HTTP/1.0\r\nConnection: Upgrade\r\nSec-WebSocket-Key: /mQoZf6pRiv8+6o72GncLQ==\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 8\r\n\r\n"

const subWS101 = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n" +
	"Cache-Control: no-cache, no-store, must-revalidate\r\n" +
	"Upgrade: WebSocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Accept: RaIOIcQ6CBoc74B9EKdH0avYZnw=\r\n" +
	"\r\n"

// subWSConf is the websocket location of the Ruby specs: allow_publish and store on.
func subWSConf(over map[string]string) Conf {
	c := subConf("websocket", over)
	c.SubscriberExtra = "push_stream_websocket_allow_publish on;\npush_stream_store_messages on;\n"
	return c
}

// subWSOpen connects, upgrades on path and checks the exact 101 bytes.
func subWSOpen(t *testing.T, s *Server, path string) *Conn {
	t.Helper()
	c := s.Dial(t)
	c.Send(strings.Replace(subWSUpgrade, "%s", path, 1))
	if got := string(c.ReadN(len(subWS101), subWait)); got != subWS101 {
		t.Fatalf("101 answer = %q, want %q", got, subWS101)
	}
	return c
}

// subWSFrame builds a client frame; a nil mask sends it unmasked.
func subWSFrame(fin bool, op byte, payload []byte, mask []byte) []byte {
	var b bytes.Buffer
	first := op
	if fin {
		first |= 0x80
	}
	b.WriteByte(first)
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b.WriteByte(m | byte(n))
	case n < 65536:
		b.WriteByte(m | 126)
		binary.Write(&b, binary.BigEndian, uint16(n))
	default:
		b.WriteByte(m | 127)
		binary.Write(&b, binary.BigEndian, uint64(n))
	}
	if mask == nil {
		b.Write(payload)
		return b.Bytes()
	}
	b.Write(mask)
	for i, c := range payload {
		b.WriteByte(c ^ mask[i%4])
	}
	return b.Bytes()
}

var subMask = []byte{0xbd, 0xd0, 0xe5, 0x2a}

// subWSText is a masked, final text frame.
func subWSText(s string) string { return string(subWSFrame(true, 1, []byte(s), subMask)) }

// subWSServerFrame renders what the server must send for a final unmasked frame.
func subWSServerFrame(op byte, payload string) string {
	return string(subWSFrame(true, op, []byte(payload), nil))
}

// subWSExpect reads exactly the bytes of want.
func subWSExpect(t *testing.T, c *Conn, want string) {
	t.Helper()
	subWSExpectWithin(t, c, want, subWait)
}

func subWSExpectWithin(t *testing.T, c *Conn, want string, d time.Duration) {
	t.Helper()
	got := string(c.ReadN(len(want), d))
	if got != want {
		if len(got) > 80 || len(want) > 80 {
			t.Fatalf("read %d bytes starting %q, want %d bytes starting %q", len(got), subHead(got), len(want), subHead(want))
		}
		t.Fatalf("read %q, want %q", got, want)
	}
}

func subHead(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// subWSReplyThenClose expects exactly want (possibly nothing) and then the TCP close.
func subWSReplyThenClose(t *testing.T, c *Conn, want string) {
	t.Helper()
	got := string(c.ReadAll(subWait))
	if got != want {
		t.Errorf("read %q, want %q then close", got, want)
	}
	if !c.Closed(200 * time.Millisecond) {
		t.Errorf("connection still open %v after %q", subWait, want)
	}
}

// subWSQuiet checks that nothing but a pong answers a client ping (no queued frame before it).
func subWSQuiet(t *testing.T, c *Conn) {
	t.Helper()
	c.Send(string(subWSFrame(true, 9, nil, subMask)))
	subWSExpect(t, c, "\x8a\x00")
}

// subPublished returns the channel's published_messages (-1 when it does not exist).
func subPublished(t *testing.T, s *Server, ch string) int {
	t.Helper()
	r := s.Do(t, "GET", "/channels-stats?id="+ch, nil, nil)
	if r.Status != 200 {
		return -1
	}
	st := s.Stats(t, ch)
	v, _ := st["published_messages"].(float64)
	return int(v)
}

func TestSubWebSocketHandshake(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	c := subWSOpen(t, s, "/sub/ch.b1")
	subWaitSubscribers(t, s, "ch", 1)
	subWSQuiet(t, c) // no header template: nothing before the pong

	t.Run("HTTP/1.1 with Host, version 13", func(t *testing.T) {
		c := s.Dial(t)
		c.Send("GET /sub/ch HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		want := strings.Replace(subWS101, "RaIOIcQ6CBoc74B9EKdH0avYZnw=", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 1)
		subWSExpect(t, c, want)
	})
}

func TestSubWebSocketMethodNotAllowed(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	for _, m := range []string{"HEAD", "PUT", "POST", "DELETE"} {
		r := s.Do(t, m, "/sub/ch", []byte("body"), nil)
		if r.Status != 405 || !subRawHas(r, "Allow", "GET") {
			t.Errorf("%s: status %d, raw header\n%s\nwant 405 with Allow: GET", m, r.Status, r.RawHeader)
		}
	}
}

func TestSubWebSocketHandshakeErrors(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	const missing = "Don't have at least one of the mandatory headers: Connection, Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version"
	all := map[string]string{
		"Connection":            "Upgrade",
		"Upgrade":               "websocket",
		"Sec-WebSocket-Key":     "/mQoZf6pRiv8+6o72GncLQ==",
		"Sec-WebSocket-Version": "8",
	}
	for drop := range all {
		t.Run("without "+drop, func(t *testing.T) {
			h := map[string]string{}
			for k, v := range all {
				if k != drop {
					h[k] = v
				}
			}
			r := s.Do(t, "GET", "/sub/ch", nil, h)
			subExplain(t, r, 400, missing)
			subNoCache(t, r)
		})
	}
	t.Run("version 7", func(t *testing.T) {
		h := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket",
			"Sec-WebSocket-Key": "/mQoZf6pRiv8+6o72GncLQ==", "Sec-WebSocket-Version": "7"}
		r := s.Do(t, "GET", "/sub/ch", nil, h)
		subExplain(t, r, 400, "Version not supported. Supported versions: 8, 13")
		if !subRawHas(r, "Sec-WebSocket-Version", "8, 13") {
			t.Errorf("want Sec-WebSocket-Version: 8, 13 in\n%s", r.RawHeader)
		}
	})
}

func TestSubWebSocketRefusalCloseFrame(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{"push_stream_authorized_channels_only": "on"}))
	c := subWSOpen(t, s, "/sub/ch.b1")
	subWSReplyThenClose(t, c, "\x88I\x03\xF0{\"http_status\": 403, \"explain\":\"Subscriber could not create channels.\"}")
}

func TestSubWebSocketEmptyPathCloses(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	// The 101 goes out before the channels are looked at; then the connection is closed.
	c := subWSOpen(t, s, "/sub/")
	subWSReplyThenClose(t, c, "")
}

func TestSubWebSocketTemplatesAndTTL(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{
		"push_stream_header_template":           "HEADER_TEMPLATE",
		"push_stream_footer_template":           "FOOTER_TEMPLATE",
		"push_stream_subscriber_connection_ttl": "1s",
	}))
	c := subWSOpen(t, s, "/sub/ch")
	subWSExpect(t, c, "\x81\x0fHEADER_TEMPLATE")
	subWSExpectWithin(t, c, "\x81\x0fFOOTER_TEMPLATE\x88\x00", 3*time.Second)
	// Bytes after the close frame are never read as an HTTP request.
	_ = c.TrySend("GET /sub/ch HTTP/1.1\r\nHost: x\r\n\r\n")
	subWSReplyThenClose(t, c, "")
	subWaitSubscribers(t, s, "ch", 0)
}

func TestSubWebSocketServerPing(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{
		"push_stream_ping_message_interval": "1s",
		"push_stream_message_template":      "~id~:~text~",
	}))
	c := subWSOpen(t, s, "/sub/ch")
	subWSExpectWithin(t, c, "\x89\x00", 3*time.Second)
	subWSExpectWithin(t, c, "\x89\x00", 3*time.Second)
}

func TestSubWebSocketFrameLengths(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	subPub(t, s, "stored", "Hello", nil)
	c := subWSOpen(t, s, "/sub/stored.b1")
	subWSExpect(t, c, "\x81\x05Hello")
	subPub(t, s, "stored", strings.Repeat("b", 200), nil)
	subWSExpect(t, c, "\x81\x7e\x00\xc8"+strings.Repeat("b", 200))

	// Larger messages are published by the socket itself (client 16- and 64-bit lengths) and come back.
	for _, n := range []int{125, 126, 65535, 65536, 131073} {
		p := strings.Repeat("a", n)
		c.Send(string(subWSFrame(true, 1, []byte(p), subMask)))
		subWSExpectWithin(t, c, subWSServerFrame(1, p), 5*time.Second)
	}
	// Header bytes are PINNED.
	for _, tc := range []struct {
		n    int
		head string
	}{{65535, "\x81\x7e\xff\xff"}, {65536, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"}, {131073, "\x81\x7f\x00\x00\x00\x00\x00\x02\x00\x01"}} {
		if got := subWSServerFrame(1, strings.Repeat("a", tc.n))[:len(tc.head)]; got != tc.head {
			t.Fatalf("test helper frames %d bytes as %q, want %q", tc.n, got, tc.head)
		}
	}
}

// Payloads that are not UTF-8 still travel as text frames from publisher to socket.
func TestSubWebSocketBinarySafeText(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	c := subWSOpen(t, s, "/sub/ch")
	subWaitSubscribers(t, s, "ch", 1)
	subPub(t, s, "ch", "\xff\xfe\x00", nil)
	subWSExpect(t, c, "\x81\x03\xff\xfe\x00")
}

func TestSubWebSocketClientPingPongClose(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	c := subWSOpen(t, s, "/sub/ch.b1")
	c.Send("\x89\x05Hello") // unmasked ping with payload: empty pong
	subWSExpect(t, c, "\x8a\x00")
	c.Send(string(subWSFrame(true, 10, []byte("x"), subMask))) // pong: ignored
	subWSQuiet(t, c)
	if n := subPublished(t, s, "ch"); n != 0 {
		t.Errorf("control frames published %d messages", n)
	}
	if n := subChannelSubscribers(t, s, "ch"); n != 1 {
		t.Errorf("subscribers = %d, want 1", n)
	}
	c.Send("\x88\x80\xbd\xd0\xe5\x2a")
	subWSReplyThenClose(t, c, "\x88\x00")
	subWaitSubscribers(t, s, "ch", 0)
	Eventually(t, 5*time.Second, func() bool { return subTotalSubscribers(t, s) == 0 }, "total subscribers not back to 0")
}

func TestSubWebSocketRejectedFrames(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	tests := []struct {
		name  string
		send  string
		reply string // "" = TCP closed without a frame
	}{
		{"binary", string(subWSFrame(true, 2, []byte("data"), subMask)), "\x88\x00"},
		{"continuation without start", string(subWSFrame(true, 0, []byte("data"), subMask)), "\x88\x00"},
		{"data frame inside a fragmented message", string(subWSFrame(false, 1, []byte("ab"), subMask)) +
			string(subWSFrame(true, 1, []byte("cd"), subMask)), "\x88\x00"},
		{"invalid utf-8", string(subWSFrame(true, 1, []byte("a\xc3\x28b"), subMask)), ""},
		// The payload of any opcode must be UTF-8, a close frame's status code
		// included (subscriber.md §8, as the module checks it): 1000 is not.
		{"close with a status code", string(subWSFrame(true, 8, []byte("\x03\xe8"), subMask)), ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch := "rej" + string(rune('a'+i))
			c := subWSOpen(t, s, "/sub/"+ch)
			subWaitSubscribers(t, s, ch, 1)
			c.Send(tc.send)
			subWSReplyThenClose(t, c, tc.reply)
			if n := subPublished(t, s, ch); n != 0 {
				t.Errorf("published %d messages, want 0", n)
			}
			subWaitSubscribers(t, s, ch, 0)
		})
	}
}

// A ping is answered whatever its size (subscriber.md §8 "ping (9) → reply
// \x8A\x00"; the module does not apply RFC 6455's 125-byte cap), and the
// connection goes on.
func TestSubWebSocketLongPing(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	c := subWSOpen(t, s, "/sub/longping")
	subWaitSubscribers(t, s, "longping", 1)
	c.Send(string(subWSFrame(true, 9, bytes.Repeat([]byte("p"), 126), subMask)))
	subWSExpect(t, c, "\x8a\x00")
	subPub(t, s, "longping", "after", nil)
	subWSExpect(t, c, subWSServerFrame(1, "after"))
}

func TestSubWebSocketClientFraming(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	hello := "\x81\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2" // masked "hello", from the spec
	tests := []struct {
		name   string
		pieces []string
		gap    time.Duration
		want   string
	}{
		{"masked", []string{hello}, 0, "\x81\x05hello"},
		{"unmasked", []string{"\x81\x05hello"}, 0, "\x81\x05hello"},
		{"byte by byte", strings.Split(hello, ""), 30 * time.Millisecond, "\x81\x05hello"},
		{"slow split", []string{hello[:2], hello[2:7], hello[7:]}, 2100 * time.Millisecond, "\x81\x05hello"},
		{"fragmented unmasked", []string{"\x01\x03hel", "\x00\x01l", "\x80\x01o"}, 50 * time.Millisecond, "\x81\x05hello"},
		{"fragmented masked with ping inside", []string{
			string(subWSFrame(false, 1, []byte("he"), subMask)),
			string(subWSFrame(true, 9, nil, subMask)),
			string(subWSFrame(true, 0, []byte("llo"), subMask))}, 0, "\x8a\x00\x81\x05hello"},
		{"two frames in one write", []string{hello + subWSText("world")}, 0, "\x81\x05hello\x81\x05world"},
		{"16-bit client length", []string{subWSText(strings.Repeat("z", 300))}, 0, subWSServerFrame(1, strings.Repeat("z", 300))},
		{"non latin characters", []string{subWSText("ação 中文 ✓")}, 0, subWSServerFrame(1, "ação 中文 ✓")},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch := "frm" + string(rune('a'+i))
			c := subWSOpen(t, s, "/sub/"+ch)
			subWaitSubscribers(t, s, ch, 1)
			for j, p := range tc.pieces {
				if j > 0 && tc.gap > 0 {
					time.Sleep(tc.gap) // deliberate pacing of the client bytes, not a wait for the server
				}
				c.Send(p)
			}
			subWSExpectWithin(t, c, tc.want, 5*time.Second)
		})
	}
}

func TestSubWebSocketPublishOrder(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{
		"push_stream_message_template": `{\"channel\":\"~channel~\", \"id\":\"~id~\", \"message\":\"~text~\"}`,
	}))
	c := subWSOpen(t, s, "/sub/ch2/ch1")
	subWaitSubscribers(t, s, "ch1", 1)
	c.Send("\x81\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2")
	subWSExpect(t, c, "\x81.{\"channel\":\"ch2\", \"id\":\"1\", \"message\":\"hello\"}"+
		"\x81.{\"channel\":\"ch1\", \"id\":\"1\", \"message\":\"hello\"}")
	// Stored with the location's store_messages on: a streaming subscriber replays it.
	st := s.Stats(t, "ch1")
	if st["stored_messages"] != float64(1) || st["published_messages"] != float64(1) {
		t.Errorf("ch1 stats %v, want 1 published and stored", st)
	}
	// ALL lists the channels in creation (path) order, each with the message.
	all := s.Stats(t, "ALL")
	if Num(t, all, "channels") != 2 {
		t.Fatalf("ALL: %v", all)
	}
	infos := Infos(t, all)
	for i, want := range []string{"ch2", "ch1"} {
		in := infos[i]
		if in["channel"] != want || Num(t, in, "published_messages") != 1 || Num(t, in, "stored_messages") != 1 {
			t.Errorf("infos[%d] = %v, want %s with 1 published and 1 stored", i, in, want)
		}
	}
}

func TestSubWebSocketPublishDisabled(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("websocket", nil))
	c := subWSOpen(t, s, "/sub/ch")
	subWaitSubscribers(t, s, "ch", 1)
	c.Send(subWSText("ignored"))
	subWSQuiet(t, c)
	if n := subPublished(t, s, "ch"); n != 0 {
		t.Errorf("published %d messages with allow_publish off", n)
	}
}

func TestSubWebSocketDeleteLastChannel(t *testing.T) {
	t.Parallel()
	c := subWSConf(map[string]string{"push_stream_footer_template": "F"})
	c.PublisherMode = "admin"
	s := Start(t, c)
	conn := subWSOpen(t, s, "/sub/ch")
	subWaitSubscribers(t, s, "ch", 1)
	s.Do(t, "DELETE", "/pub?id=ch", nil, nil)
	subWSReplyThenClose(t, conn, "\x81\x0fChannel deleted\x81\x01F\x88\x00")
}

// PINNED (websocket_spec "should publish large message"): a 4 MiB text frame from the client is
// published and comes back, then a 10 KiB one.
func TestSubWebSocketLargeClientMessage(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{
		"push_stream_shared_memory_size": "15m",
		"push_stream_message_template":   `{\"channel\":\"~channel~\", \"id\":\"~id~\", \"message\":\"~text~\"}`,
	}))
	c := subWSOpen(t, s, "/sub/big")
	subWaitSubscribers(t, s, "big", 1)
	for i, msg := range []string{
		"^|" + strings.Repeat("0123456789", 419430) + "|$", // 4 194 304 bytes
		"^|" + strings.Repeat("0123456789", 1020) + "|$",
	} {
		frame := string(subWSFrame(true, 1, []byte(msg), subMask))
		// Write from a goroutine: the echo may start before the whole frame is written.
		errc := make(chan error, 1)
		go func() { errc <- c.TrySend(frame) }()
		want := fmt.Sprintf(`{"channel":"big", "id":"%d", "message":"%s"}`, i+1, msg)
		subWSExpectWithin(t, c, subWSServerFrame(1, want), 10*time.Second)
		if err := <-errc; err != nil {
			t.Fatalf("sending %d bytes: %v", len(msg), err)
		}
	}
}

// The mode header does not apply to WebSocket locations.
func TestSubWebSocketIgnoresModeHeader(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(nil))
	subPub(t, s, "ch", "old", nil)
	c := s.Dial(t)
	c.Send("GET /sub/ch.b1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: /mQoZf6pRiv8+6o72GncLQ==\r\nSec-WebSocket-Version: 13\r\nX-Nginx-PushStream-Mode: polling\r\n\r\n")
	subWSExpect(t, c, subWS101+"\x81\x03old")
	subWaitSubscribers(t, s, "ch", 1)
	subPub(t, s, "ch", "new", nil)
	subWSExpect(t, c, "\x81\x03new")
}

// Live messages restart the ping timer.
func TestSubWebSocketLiveMessageRestartsPing(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{"push_stream_ping_message_interval": "2s"}))
	c := subWSOpen(t, s, "/sub/ch")
	subWaitSubscribers(t, s, "ch", 1)
	time.Sleep(1200 * time.Millisecond) // position the message inside the first ping period
	subPub(t, s, "ch", "m", nil)
	subWSExpect(t, c, "\x81\x01m")
	at := time.Now()
	subWSExpect(t, c, "\x89\x00")
	if el := time.Since(at); el < 1700*time.Millisecond {
		t.Errorf("ping %v after the live message, want the full 2 s interval", el)
	}
}
