package httpd

import (
	"bufio"
	"net/http"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/wsframe"
)

// wsEcho is a minimal WebSocket subscriber built on Hijack + Park and the
// wsframe parser: it echoes text messages (like allow_publish to its own
// channel), answers pings and ends as §8 says.
func wsEcho(w *Response, r *http.Request) {
	accept, herr := wsframe.Handshake(r)
	if herr != nil {
		for k, vs := range herr.Header {
			for _, v := range vs {
				w.AddHeader(k, v)
			}
		}
		w.SetHeader("X-Nginx-PushStream-Explain", herr.Explain)
		_ = w.WriteHeaderOnly(herr.Status)
		return
	}
	hc, err := w.Hijack()
	if err != nil {
		return
	}
	if err := wsframe.Write101(hc, accept); err != nil {
		return
	}
	_, _ = hc.Write(wsframe.TextFrame([]byte("HEADER_TEMPLATE")))
	var p wsframe.Parser
	for {
		ev, _ := hc.Park(time.Time{})
		if ev != EventData {
			return
		}
		p.Feed(hc.ReadBuffered())
		for {
			e, ok := p.Next()
			if !ok {
				break
			}
			switch e.Kind {
			case wsframe.Text:
				_, _ = hc.Write(wsframe.TextFrame(e.Payload))
			case wsframe.Ping:
				_, _ = hc.Write(wsframe.PongFrame)
			case wsframe.Pong:
			case wsframe.Close, wsframe.ProtocolError:
				_, _ = hc.Write(wsframe.CloseFrame0)
				return
			case wsframe.InvalidUTF8:
				_ = hc.Close()
				return
			}
		}
	}
}

func TestWebSocketExampleG(t *testing.T) {
	_, addr := startServer(t, wsEcho)
	const upgrade = "GET /ws/ch1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: /mQoZf6pRiv8+6o72GncLQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	const want101 = "HTTP/1.1 101 Switching Protocols\r\n" +
		"Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n" +
		"Cache-Control: no-cache, no-store, must-revalidate\r\n" +
		"Upgrade: WebSocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: RaIOIcQ6CBoc74B9EKdH0avYZnw=\r\n\r\n"
	for _, oneByte := range []bool{false, true} {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		write := func(s string) {
			if !oneByte {
				send(t, c, s)
				return
			}
			for i := range len(s) {
				send(t, c, s[i:i+1])
			}
		}
		send(t, c, upgrade)
		if got := readN(t, br, len(want101)); got != want101 {
			t.Fatalf("101 = %q", got)
		}
		if got := readN(t, br, 17); got != "\x81\x0fHEADER_TEMPLATE" {
			t.Fatalf("header frame %q", got)
		}
		write("\x81\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2")
		if got := readN(t, br, 7); got != "\x81\x05hello" {
			t.Fatalf("echo %q", got)
		}
		write("\x89\x05Hello")
		if got := readN(t, br, 2); got != "\x8a\x00" {
			t.Fatalf("pong %q", got)
		}
		write("\x88\x80\xbd\xd0\xe5\x2a" + "GET / HTTP/1.1\r\n\r\n")
		if got := readN(t, br, 2); got != "\x88\x00" {
			t.Fatalf("close %q", got)
		}
		expectEOF(t, br) // the bytes after the close are never parsed as HTTP
	}
}

func TestWebSocketRefusals(t *testing.T) {
	_, addr := startServer(t, wsEcho)
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET /ws/ch1 HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 7\r\n\r\n")
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != 400 || resp.Header["Sec-Websocket-Version"][0] != "8, 13" ||
		resp.Header["X-Nginx-Pushstream-Explain"][0] != wsframe.ExplainBadVersion {
		t.Fatalf("resp %v %v", resp.Status, resp.Header)
	}
	// Binary frame → \x88\x00; invalid UTF-8 → dropped without a frame.
	for _, tt := range []struct{ frame, want string }{
		{"\x82\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2", "\x88\x00"},
		{"\x81\x01\xa3", ""},
	} {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		send(t, c, "GET /ws/ch1 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
			"Sec-WebSocket-Key: /mQoZf6pRiv8+6o72GncLQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
		readHead(t, br)
		readN(t, br, 17)
		send(t, c, tt.frame)
		if tt.want != "" {
			if got := readN(t, br, len(tt.want)); got != tt.want {
				t.Fatalf("got %q", got)
			}
		}
		expectEOF(t, br)
	}
}
