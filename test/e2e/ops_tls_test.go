package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TLS: `listen ... ssl` with ssl_certificate / ssl_certificate_key serves
// every subscriber mode over TLS, byte for byte as over plain TCP.

func opsStartTLS(t *testing.T) (s *Server, tlsAddr string, pool *tlsPool) {
	t.Helper()
	cert, key, p := opsWriteCert(t)
	port := opsFreePort(t)
	extra := fmt.Sprintf("    listen 127.0.0.1:%d ssl http2;\n    ssl_certificate %s;\n    ssl_certificate_key %s;\n    ssl_protocols TLSv1.2 TLSv1.3;\n", port, cert, key)
	locs := `    location ~ /wsp/(.*) { push_stream_subscriber websocket; push_stream_channels_path $1;
      push_stream_websocket_allow_publish on; push_stream_ping_message_interval 1s; }`
	s = Start(t, Conf{Raw: opsConf(extra, locs)})
	return s, fmt.Sprintf("127.0.0.1:%d", port), &tlsPool{p}
}

type tlsPool struct{ pool *x509.CertPool }

func (p *tlsPool) certs() *x509.CertPool { return p.pool }

func TestOpsTLSStreaming(t *testing.T) {
	t.Parallel()
	s, addr, p := opsStartTLS(t)
	c := opsDialTLS(t, addr, p.certs())
	if st := c.nc.(*tls.Conn).ConnectionState(); st.NegotiatedProtocol != "" && st.NegotiatedProtocol != "http/1.1" {
		t.Errorf("ALPN %q", st.NegotiatedProtocol)
	}
	c.Send(subReq("/sub/tls_st"))
	subWaitSubscribers(t, s, "tls_st", 1)
	// Each publish wakes the parked TLS connection by moving its read
	// deadline: the TLS read must survive that timeout every time.
	for i := range 3 {
		msg := fmt.Sprintf("m%d", i)
		s.PublishOK(t, "tls_st", msg)
		if i == 0 {
			subHeadOK(t, c, "") // without a header template the head goes with the first message
		}
		subChunk(t, c, msg)
	}
	// Over TLS the publisher works too (keep-alive, two requests).
	pub := opsDialTLS(t, addr, p.certs())
	pub.Send(BuildRequest("POST", "/pub?id=tls_st", []byte("viaTLS"), nil))
	if r := pub.ReadResp(subWait, false); r.Status != 200 {
		t.Fatalf("publish over TLS: %d", r.Status)
	}
	subChunk(t, c, "viaTLS")
	pub.Send(BuildRequest("GET", "/healthz", nil, nil))
	if r := pub.ReadResp(subWait, false); r.Status != 200 || string(r.Body) != "ok\n" {
		t.Fatalf("healthz over TLS keep-alive: %d %q", r.Status, r.Body)
	}
}

func TestOpsTLSEventSource(t *testing.T) {
	t.Parallel()
	s, addr, p := opsStartTLS(t)
	c := opsDialTLS(t, addr, p.certs())
	c.Send(subReq("/ev/tls_ev"))
	subHeadOK(t, c, "text/event-stream; charset=utf-8")
	subWaitSubscribers(t, s, "tls_ev", 1)
	s.PublishOK(t, "tls_ev", "hello")
	opsChunkUntil(t, c, "data: hello\n\n")
	s.PublishOK(t, "tls_ev", "again")
	opsChunkUntil(t, c, "data: again\n\n")
}

func TestOpsTLSLongPolling(t *testing.T) {
	t.Parallel()
	s, addr, p := opsStartTLS(t)
	c := opsDialTLS(t, addr, p.certs())
	c.Send(subReq("/lp/tls_lp"))
	subWaitSubscribers(t, s, "tls_lp", 1)
	s.PublishOK(t, "tls_lp", "waited")
	r := c.ReadResp(subWait, false)
	if r.Status != 200 || string(r.Body) != "waitedFOOT" {
		t.Fatalf("long-polling over TLS: %d %q", r.Status, r.Body)
	}
}

// wss://: the WebSocket path runs over the TLS connection; server pings
// (park timeouts on the TLS read) and client frames interleave.
func TestOpsTLSWebSocket(t *testing.T) {
	t.Parallel()
	s, addr, p := opsStartTLS(t)
	c := opsDialTLS(t, addr, p.certs())
	c.Send(strings.Replace(subWSUpgrade, "%s", "/wsp/tls_ws", 1))
	if got := string(c.ReadN(len(subWS101), subWait)); got != subWS101 {
		t.Fatalf("101 over TLS = %q", got)
	}
	subWaitSubscribers(t, s, "tls_ws", 1)
	s.PublishOK(t, "tls_ws", "hello")
	opsWSFrameSkippingPings(t, c, subWSServerFrame(1, "hello"))
	// The 1 s ping is a read deadline expiring inside the TLS read.
	subWSExpectWithin(t, c, "\x89\x00", 3*time.Second)
	// The connection still reads client frames after that timeout: a text
	// frame is published and comes back to this subscriber.
	c.Send(subWSText("from client"))
	opsWSFrameSkippingPings(t, c, subWSServerFrame(1, "from client"))
	subWSExpectWithin(t, c, "\x89\x00", 3*time.Second)
	s.PublishOK(t, "tls_ws", "after ping")
	opsWSFrameSkippingPings(t, c, subWSServerFrame(1, "after ping"))
	// A client ping is answered.
	c.Send(string(subWSFrame(true, 9, nil, subMask)))
	opsWSFrameSkippingPings(t, c, "\x8a\x00")
}

// opsWSFrameSkippingPings reads server pings (\x89\x00, the 1 s interval
// may fire at any time) until the frame want arrives.
func opsWSFrameSkippingPings(t *testing.T, c *Conn, want string) {
	t.Helper()
	for {
		head := string(c.ReadN(2, subWait))
		if head == "\x89\x00" && want != head {
			continue
		}
		if rest := want[2:]; head+string(c.ReadN(len(rest), subWait)) != want {
			t.Fatalf("frame starting %q, want %q", head, want)
		}
		return
	}
}

// A listen ssl without a certificate is a start-up error.
func TestOpsTLSNeedsCertificate(t *testing.T) {
	t.Parallel()
	code, stderr := StartErr(t, Conf{Raw: opsConf("    listen 127.0.0.1:1 ssl;\n", "")})
	if code != 1 || !strings.Contains(stderr, `no "ssl_certificate"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
