package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTP/2 (`listen ... ssl http2`) is a gateway in front of the HTTP/1.1
// server: net/http's HTTP/2 server takes the connections whose ALPN chose
// h2, and each stream is replayed as one HTTP/1.1 request over an
// in-memory pipe into the same httpd server, handler and transports. The
// response comes back chunk by chunk and every chunk is flushed as DATA
// frames, so streaming, EventSource and long-polling behave exactly as
// over HTTP/1.1 (WebSocket stays on HTTP/1.1). The price is two
// goroutines and a pipe per HTTP/2 stream instead of one goroutine per
// connection.

// handshakeTimeout bounds a TLS handshake before the protocol is known.
const handshakeTimeout = 10 * time.Second

// chanListener is a net.Listener fed by push.
type chanListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{ch: make(chan net.Conn), done: make(chan struct{}), addr: addr}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// push hands c to Accept; false (and c closed) once the listener is closed.
func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		_ = c.Close()
		return false
	}
}

// tlsSplitter accepts TCP connections, runs the TLS handshake off the
// accept loop and routes each connection by its ALPN protocol: h2 to the
// HTTP/2 gateway, anything else to httpd.
type tlsSplitter struct {
	raw    net.Listener
	cfg    *tls.Config
	h1, h2 *chanListener
	pipes  *chanListener // gateway pipes, served by httpd too
	h2srv  *http.Server
	log    *slog.Logger
}

func newTLSSplitter(raw net.Listener, site *tlsSite, log *slog.Logger) *tlsSplitter {
	t := &tlsSplitter{
		raw:   raw,
		cfg:   site.serverConfig(),
		h1:    newChanListener(raw.Addr()),
		h2:    newChanListener(raw.Addr()),
		pipes: newChanListener(raw.Addr()),
		log:   log,
	}
	t.h2srv = &http.Server{
		Handler:           &h2Gateway{pipes: t.pipes},
		ReadHeaderTimeout: handshakeTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go t.acceptLoop()
	go func() { _ = t.h2srv.Serve(t.h2) }()
	return t
}

func (t *tlsSplitter) acceptLoop() {
	defer t.h1.Close()
	defer t.h2.Close()
	defer t.pipes.Close()
	var backoff time.Duration
	for {
		c, err := t.raw.Accept()
		if err != nil {
			if isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return
		}
		backoff = 0
		go t.handshake(c)
	}
}

// isTemporary catches accept errors that pass with time (EMFILE).
func isTemporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "too many open files")
}

func (t *tlsSplitter) handshake(c net.Conn) {
	tc := tls.Server(c, t.cfg)
	_ = tc.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := tc.Handshake(); err != nil {
		_ = c.Close()
		return
	}
	_ = tc.SetDeadline(time.Time{})
	if tc.ConnectionState().NegotiatedProtocol == "h2" {
		t.h2.push(tc)
		return
	}
	t.h1.push(tc)
}

// Accept serves httpd the HTTP/1.x connections.
func (t *tlsSplitter) Accept() (net.Conn, error) { return t.h1.Accept() }

// Close stops accepting; open connections (HTTP/2 ones included) go on.
func (t *tlsSplitter) Close() error {
	err := t.raw.Close()
	t.h1.Close()
	t.h2.Close()
	return err
}

func (t *tlsSplitter) Addr() net.Addr { return t.raw.Addr() }

// shutdown ends the HTTP/2 side at server stop, once httpd has finished
// every subscriber (their footers went through the gateway).
func (t *tlsSplitter) shutdown() {
	t.pipes.Close()
	_ = t.h2srv.Close()
}

// pipeConn is the httpd end of a gateway pipe; it reports the HTTP/2
// client's address.
type pipeConn struct {
	net.Conn
	remote net.Addr
}

func (p *pipeConn) RemoteAddr() net.Addr { return p.remote }

type strAddr string

func (a strAddr) Network() string { return "tcp" }
func (a strAddr) String() string  { return string(a) }

// h2Gateway replays an HTTP/2 stream as an HTTP/1.1 request into httpd.
type h2Gateway struct {
	pipes *chanListener
}

func (g *h2Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	client, server := net.Pipe()
	defer client.Close()
	if !g.pipes.push(&pipeConn{Conn: server, remote: strAddr(r.RemoteAddr)}) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	// The stream ending (client gone, RST_STREAM) closes the pipe: httpd
	// then sees the connection closed, as with a TCP client.
	stop := context.AfterFunc(r.Context(), func() { client.Close() })
	defer stop()
	go func() {
		if err := writeH1Request(client, r); err != nil {
			client.Close()
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReaderSize(client, 4096), &http.Request{Method: r.Method})
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		switch k {
		case "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade":
			continue
		}
		h[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	buf := make([]byte, 16<<10)
	for {
		// A chunked body read returns at the end of what arrived: each
		// piece the transport wrote is flushed at once.
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// writeH1Request writes r as an HTTP/1.1 request with its body.
func writeH1Request(c net.Conn, r *http.Request) error {
	bw := bufio.NewWriterSize(c, 4096)
	bw.WriteString(r.Method + " " + r.RequestURI + " HTTP/1.1\r\nHost: " + r.Host + "\r\n")
	for k, vs := range r.Header {
		switch k {
		case "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Upgrade", "Te":
			continue
		}
		for _, v := range vs {
			bw.WriteString(k + ": " + v + "\r\n")
		}
	}
	bw.WriteString("Connection: close\r\n")
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	switch {
	case r.ContentLength > 0:
		bw.WriteString("Content-Length: " + strconv.FormatInt(r.ContentLength, 10) + "\r\n\r\n")
		if _, err := io.Copy(bw, r.Body); err != nil {
			return err
		}
	case hasBody:
		bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		cw := httputil.NewChunkedWriter(bw)
		if _, err := io.Copy(cw, r.Body); err != nil {
			return err
		}
		_ = cw.Close()
		bw.WriteString("\r\n")
	default:
		bw.WriteString("\r\n")
	}
	return bw.Flush()
}
