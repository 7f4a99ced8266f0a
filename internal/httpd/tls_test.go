package httpd

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testTLSConfig is a self-signed certificate for 127.0.0.1.
func testTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// Park's wake moves the read deadline of a *tls.Conn into the past: the
// TLS read must return a timeout that leaves the connection usable, for
// wakes, park timeouts and client bytes alike, many times in a row.
func TestParkOverTLS(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Logger: discardLogger()}
	events := make(chan Event, 16)
	wakers := make(chan *Waker, 1)
	s.Handler = HandlerFunc(func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		wakers <- w.Waker()
		deadline := time.Time{}
		for i := 0; ; i++ {
			if i == 3 {
				deadline = time.Now().Add(30 * time.Millisecond) // one park timeout in the middle
			}
			ev, _ := w.Park(deadline)
			deadline = time.Time{}
			if ev == EventData {
				br := w.Reader()
				b, _ := br.Peek(br.Buffered())
				_, _ = br.Discard(len(b))
				_ = w.WritePiece(append([]byte("data:"), b...))
			} else {
				_ = w.WritePiece([]byte(ev.String()))
			}
			events <- ev
			if ev == EventClosed || ev == EventData && i > 4 {
				return
			}
		}
	})
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(tls.NewListener(l, testTLSConfig(t)), "127.0.0.1:9443") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-done
	})

	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readHead(t, br)
	w := <-wakers
	expect := func(want Event, body string) {
		t.Helper()
		select {
		case ev := <-events:
			if ev != want {
				t.Fatalf("event %v, want %v", ev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event, want %v", want)
		}
		if got := readChunk(t, br); got != body {
			t.Fatalf("chunk %q, want %q", got, body)
		}
	}
	for range 3 {
		w.Wake()
		expect(EventWake, "wake")
	}
	expect(EventTimeout, "timeout")
	send(t, c, "hello")
	expect(EventData, "data:hello")
	w.Wake()
	expect(EventWake, "wake")
	send(t, c, "again")
	expect(EventData, "data:again")
}

// readChunk reads one chunk of a chunked body.
func readChunk(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	line := ""
	for line == "" {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("chunk size: %v", err)
		}
		line = strings.TrimSpace(l)
	}
	n, err := strconv.ParseInt(line, 16, 64)
	if err != nil {
		t.Fatalf("chunk size %q: %v", line, err)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(br, b); err != nil {
		t.Fatalf("chunk data: %v", err)
	}
	return string(b[:n])
}
