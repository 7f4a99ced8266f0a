package e2e

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// HTTP/2 (`listen ... ssl http2`): EventSource, streaming and long-polling
// over h2 streams, the publisher too; WebSocket stays on HTTP/1.1.

func opsH2Client(p *tlsPool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: p.certs(), ServerName: "127.0.0.1"},
		ForceAttemptHTTP2: true,
	}}
}

func TestOpsHTTP2(t *testing.T) {
	t.Parallel()
	s, addr, p := opsStartTLS(t)
	cl := opsH2Client(p)
	defer cl.CloseIdleConnections()
	base := "https://" + addr

	// EventSource over h2: every message arrives as its own flush.
	ev, err := cl.Get(base + "/ev/h2_ev")
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Body.Close()
	if ev.ProtoMajor != 2 || ev.StatusCode != 200 || ev.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("eventsource over h2: %s %d %q", ev.Proto, ev.StatusCode, ev.Header.Get("Content-Type"))
	}
	lines := make(chan string, 16)
	go func() {
		br := bufio.NewReader(ev.Body)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- l
		}
	}()
	subWaitSubscribers(t, s, "h2_ev", 1)
	// Publish over h2 as well (same connection pool).
	for _, msg := range []string{"one", "two"} {
		r, err := cl.Post(base+"/pub?id=h2_ev", "text/plain", strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || r.ProtoMajor != 2 {
			t.Fatalf("publish over h2: %s %d", r.Proto, r.StatusCode)
		}
		want := "data: " + msg + "\n"
		deadline := time.After(subWait)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("stream ended before %q", want)
				}
				if l == want {
					break wait
				}
			case <-deadline:
				t.Fatalf("%q not received over h2", want)
			}
		}
	}

	// Long-polling over h2 waits, then answers with the message.
	done := make(chan string, 1)
	go func() {
		r, err := cl.Get(base + "/lp/h2_lp")
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		done <- r.Proto + " " + string(b)
	}()
	subWaitSubscribers(t, s, "h2_lp", 1)
	s.PublishOK(t, "h2_lp", "waited")
	select {
	case got := <-done:
		if got != "HTTP/2.0 waitedFOOT" {
			t.Errorf("long-polling over h2 = %q", got)
		}
	case <-time.After(subWait):
		t.Fatal("long-polling over h2 never answered")
	}

	// A client going away ends its subscriber.
	ev.Body.Close()
	subWaitSubscribers(t, s, "h2_ev", 0)
}

// Without the http2 flag the TLS listener offers HTTP/1.1 only.
func TestOpsHTTP2NeedsFlag(t *testing.T) {
	t.Parallel()
	cert, key, pool := opsWriteCert(t)
	port := opsFreePort(t)
	extra := "    listen 127.0.0.1:" + itoa(port) + " ssl;\n    ssl_certificate " + cert + ";\n    ssl_certificate_key " + key + ";\n"
	Start(t, Conf{Raw: opsConf(extra, "")})
	cl := opsH2Client(&tlsPool{pool})
	defer cl.CloseIdleConnections()
	r, err := cl.Get("https://127.0.0.1:" + itoa(port) + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.ProtoMajor != 1 || r.StatusCode != 200 {
		t.Errorf("%s %d, want HTTP/1.1 200", r.Proto, r.StatusCode)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
