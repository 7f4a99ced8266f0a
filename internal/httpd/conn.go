package httpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// readerPool holds the 4 KiB request readers; a connection only owns one while
// it has unconsumed input or is reading a request.
var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// errHeaderTooLarge is returned by connReader when a request head exceeds
// Server.MaxHeaderBytes.
var errHeaderTooLarge = errors.New("httpd: request header too large")

// connReader feeds the pooled bufio.Reader: first the bytes Park read into
// its inline array, then the socket, within an optional byte limit.
type connReader struct {
	nc       net.Conn
	raw      syscall.RawConn // plain sockets: raw reads (rawio.go)
	nonblock bool
	pending  [16]byte
	pn, po   int
	limited  bool
	remain   int64
	scan     headScan // line lengths of the head being read (limits.go)
}

func (r *connReader) Read(p []byte) (int, error) {
	if r.po < r.pn {
		n := copy(p, r.pending[r.po:r.pn])
		r.po += n
		if r.limited {
			return n, r.scan.feed(p[:n])
		}
		return n, nil
	}
	if r.limited {
		if r.remain <= 0 {
			return 0, errHeaderTooLarge
		}
		if int64(len(p)) > r.remain {
			p = p[:r.remain]
		}
	}
	var n int
	var err error
	switch {
	case r.nonblock:
		n, err = readNonblock(r.raw, p)
	case r.raw != nil:
		n, err = readWait(r.raw, p)
	default:
		n, err = r.nc.Read(p)
	}
	r.remain -= int64(n)
	if r.limited {
		if err == nil {
			err = r.scan.feed(p[:n])
		} else {
			r.scan.readErr = err
		}
	}
	return n, err
}

// conn is one client connection, served by one goroutine.
type conn struct {
	srv        *Server
	nc         net.Conn
	listenAddr string
	cr         connReader
	br         *bufio.Reader // nil while nothing is buffered
	seen       int           // buffered bytes already reported as EventData
	idle       *Waker        // wakes the keep-alive wait (shutdown)
	cur        atomic.Pointer[Waker]
	body       io.ReadCloser // the current request's body (nil between requests)
	bodyRead   timeoutBody   // the current request's body reader (limits.go)
	hijacked   bool
	ip         string // client IP, for MaxConnsPerIP (limits.go)
	served     bool   // a request was read: idle waits use keep-alive
	linger     bool   // a response went out: half-close and drain before closing
	sent       int64  // bytes written for the current request (access log)
	ws         directState
	// awaitingRequest: waiting for the next request (Park then fills the
	// pooled reader directly); headArmed: its head limits are armed.
	awaitingRequest, headArmed bool
	arriving                   bool // counted in srv.arriving (arrivals.go)
	hotNext                    bool // new, or its long-poll was answered: make the next wait hot (arrivals.go)
	hotWait                    bool // hot: wait for input without consuming it (arrivals.go)

	// Suspended responses (suspend.go).
	state     atomic.Uint64 // generation<<1 | stateSuspended
	kick      atomic.Uint32 // kick reasons seen since the last suspend
	parked    *Response     // the suspended response
	timer     *time.Timer   // kicks at the suspended response's deadline
	watchedFD int32         // socket descriptor + 1 while in the idle poller
	remote    string        // RemoteAddr().String(), computed once
	readDL    time.Time     // read deadline we armed last; zero: unknown (Wake may have moved it)
}

// setReadDeadline arms the read deadline and remembers it.
func (c *conn) setReadDeadline(t time.Time) {
	c.readDL = t
	_ = c.nc.SetReadDeadline(t)
}

// armReadWithin makes sure a read is cut after between d/2 and d. Re-arming
// costs a runtime timer update, so a deadline already in that window stays.
func (c *conn) armReadWithin(d time.Duration) {
	now := time.Now()
	if left := c.readDL.Sub(now); !c.readDL.IsZero() && left >= d/2 && left <= d {
		return
	}
	c.setReadDeadline(now.Add(d))
}

func (c *conn) reader() *bufio.Reader {
	if c.br == nil {
		c.br = readerPool.Get().(*bufio.Reader)
		c.br.Reset(&c.cr)
	}
	return c.br
}

func (c *conn) releaseReader() {
	if c.br != nil && c.br.Buffered() == 0 {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
}

func (c *conn) buffered() int {
	if c.br == nil {
		return 0
	}
	return c.br.Buffered()
}

// bodyDone reports whether the current request has no body left in the
// reader, so the reader may be released.
func (c *conn) bodyDone() bool {
	return c.body == nil || c.body == http.NoBody || c.hijacked
}

func (c *conn) wakeForShutdown() {
	if w := c.cur.Load(); w != nil {
		w.Wake()
	}
}

func (c *conn) logger() *slog.Logger {
	if c.srv.Logger != nil {
		return c.srv.Logger
	}
	return slog.Default()
}

// serve runs one connection.
func (c *conn) serve() {
	// Look the socket up once, before other goroutines (publishers checking
	// hot connections, flushers) may ask for it.
	c.cr.raw = c.rawConn()
	c.serveLoop()
}

// serveLoop is the keep-alive loop. It returns when the connection is
// closed or a response was suspended (another goroutine resumes it).
func (c *conn) serveLoop() {
	suspended := false
	defer func() {
		if !suspended {
			c.finish()
		}
	}()
	for {
		if !c.waitRequest() {
			return
		}
		req, err := c.readRequest()
		if err != nil {
			c.settle()
			if !errors.Is(err, io.EOF) && c.writeHeadError(err) {
				c.linger = true
			}
			return
		}
		keep, w := c.handle(req)
		if w != nil {
			if keep, suspended = c.carrySafely(w, 0); suspended {
				return
			}
		}
		if !keep {
			return
		}
	}
}

// waitRequest parks until the first byte of the next request arrives.
func (c *conn) waitRequest() bool {
	c.linger = false // the previous response (if any) was complete and kept alive
	c.cur.Store(c.idle)
	var deadline time.Time
	if t := c.srv.keepAlive(c.listenAddr); t > 0 {
		deadline = time.Now().Add(t)
	}
	deadline = c.firstDeadline(deadline)
	c.seen = 0
	// Between requests, read straight into the pooled reader with the head
	// limits already armed: the next request then costs one read instead
	// of a 16-byte read plus a second one.
	c.beginHead()
	c.headArmed, c.awaitingRequest = true, true
	defer func() { c.awaitingRequest = false }()
	if c.hotNext {
		// A new connection or a long-poll client tends to send its request
		// at once (arrivals.go).
		c.hotNext = false
		c.setHot(true)
		c.hotWait = true
		defer func() {
			c.hotWait = false
			c.setHot(false)
		}()
	}
	if c.arriving && c.buffered() == 0 && !c.inputReady() {
		c.settle() // idle: nothing for a publisher to wait for (arrivals.go)
	}
	for {
		ev, _ := c.park(c.idle, deadline)
		switch ev {
		case EventData:
			c.arrive()
			return true
		case EventWake:
			if c.srv.isStopping() {
				return false
			}
		default:
			return false
		}
	}
}

func (c *conn) readRequest() (*http.Request, error) {
	c.setReadDeadline(time.Now().Add(c.srv.headerTimeout()))
	if !c.headArmed {
		c.beginHead()
	}
	c.headArmed = false
	if c.arriving && !c.headBuffered() {
		c.settle() // a head that trickles in must not hold publishers (arrivals.go)
	}
	req, err := readRequest(c.reader())
	c.cr.limited = false
	// The header deadline is left armed: every later read (body, Park) arms
	// its own, and a deadline change costs a runtime timer update.
	if err := c.headError(err); err != nil {
		return nil, err
	}
	if req.ProtoMajor != 1 {
		return nil, fmt.Errorf("httpd: unsupported protocol %q", req.Proto)
	}
	if c.remote == "" {
		c.remote = c.nc.RemoteAddr().String()
	}
	req.RemoteAddr = c.remote
	req.Body = c.withBodyTimeout(req.Body)
	if req.Body != http.NoBody && hasExpectContinue(req) {
		req.Body = &continueReader{c: c, body: req.Body}
	}
	return req, nil
}

func hasExpectContinue(r *http.Request) bool {
	for _, v := range r.Header["Expect"] {
		if strings.EqualFold(strings.TrimSpace(v), "100-continue") {
			return true
		}
	}
	return false
}

// handle runs the handler for one request and reports whether the
// connection may serve another one. A non-nil suspended is a response whose
// handler returned from Run before the response ended (suspend.go).
func (c *conn) handle(req *http.Request) (keep bool, suspended *Response) {
	c.body, c.sent = req.Body, 0
	w := &Response{c: c,
		head: req.Method == http.MethodHead, http11: req.ProtoAtLeast(1, 1), reqClose: req.Close,
		gzipOK: acceptsGzip(req)}
	w.wake.c = c
	w.waker = &w.wake
	c.cur.Store(w.waker)
	c.seen = c.buffered()
	defer func() {
		if p := recover(); p != nil {
			c.logger().Error("httpd: handler panic", "panic", p, "uri", req.RequestURI)
			c.abandon(w)
			keep, suspended = false, nil
		}
	}()
	c.srv.Handler.ServeHTTP1(w, req)
	if w.suspended {
		w.suspended = false
		return false, w
	}
	return c.endResponse(w), nil
}

// endResponse runs the OnDone hooks and completes the response; it reports
// whether the connection may serve another request.
func (c *conn) endResponse(w *Response) bool {
	w.runDone()
	w.waker.close()
	c.cur.Store(c.idle)
	body := c.body
	c.body = nil
	c.linger = w.wroteHeader
	if c.hijacked {
		return false
	}
	if !w.wroteHeader {
		return false // the handler chose to drop the connection
	}
	if w.streaming && !w.finished {
		if err := w.Finish(); err != nil {
			return false
		}
	}
	if w.err != nil || !w.keepAlive {
		return false
	}
	return c.drainBody(body)
}

// maxDrain is how much unread request body we discard to keep a connection;
// beyond that closing is cheaper.
const maxDrain = 256 << 10

func (c *conn) drainBody(body io.ReadCloser) bool {
	if body == nil || body == http.NoBody {
		return true
	}
	if cr, ok := body.(*continueReader); ok && !cr.sent {
		return false // the client still waits for "100 Continue": just close
	}
	if tb, ok := body.(*timeoutBody); ok {
		if rb, ok := tb.body.(*reqBody); ok && rb.consumed() {
			return true // the usual publish: read to its end already
		}
	}
	// body is a timeoutBody: each read that reaches the socket is bounded.
	n, err := io.CopyN(io.Discard, body, maxDrain+1)
	return n <= maxDrain && errors.Is(err, io.EOF)
}

func (c *conn) writeBadRequest() {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.writeTimeout()))
	_, _ = io.WriteString(c.nc, StatusLine(http.StatusBadRequest)+
		"Server: pushstream\r\nContent-Type: text/html\r\nContent-Length: "+
		itoa(len(badRequestPage))+"\r\nConnection: close\r\n\r\n"+badRequestPage)
}

func (c *conn) finish() {
	c.settle()
	idle.forget(c)
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.br != nil {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
	c.idle.close()
	if c.linger {
		c.lingerClose()
	}
	_ = c.nc.Close()
	c.srv.untrack(c)
}

// Lingering close bounds: after our last response we half-close and discard
// what the client still sends, so unread input does not make the kernel
// reset the connection and destroy the response before the client reads it.
const (
	lingerTime         = 2 * time.Second
	lingerTimeStopping = 200 * time.Millisecond
	lingerBytes        = 1 << 20
)

func (c *conn) lingerClose() {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return // not TCP, or already closed by the handler
	}
	d := lingerTime
	if c.srv.isStopping() {
		d = lingerTimeStopping
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	_, _ = io.CopyN(io.Discard, c.nc, lingerBytes)
}

// continueReader sends "100 Continue" when the handler first reads the body
// (nginx does the same), so curl does not wait a second before sending it.
type continueReader struct {
	c    *conn
	body io.ReadCloser
	sent bool
}

func (r *continueReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		if _, err := io.WriteString(r.c.nc, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return 0, err
		}
	}
	return r.body.Read(p)
}

func (r *continueReader) Close() error { return r.body.Close() }
