package httpd

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrWritten is returned when a response is started twice or a piece is
// written outside a stream.
var ErrWritten = errors.New("httpd: response already written")

// Response writes one response on the connection, byte for byte as the spec
// wants. Not safe for concurrent use: only the connection goroutine writes.
type Response struct {
	c     *conn
	waker *Waker
	wake  Waker // what waker points to: one allocation for both

	// The request facts a response needs; the request itself is not kept,
	// so a long-lived subscriber holds no request (idle memory).
	head     bool // HEAD request: no body bytes
	http11   bool
	reqClose bool
	gzipOK   bool // the client accepts gzip

	header      []headerField
	status      int
	wroteHeader bool
	streaming   bool
	chunked     bool
	finished    bool
	keepAlive   bool
	closeAfter  bool
	gzipPolicy  *GzipPolicy
	gz          *gzipStream
	err         error // first write error, sticky

	// Run and OnDone (suspend.go).
	done      []func()
	step      Step
	deadline  time.Time
	suspended bool // Run returned before the response ended
}

// headerField is one response header line. Headers are a slice, not a
// map: they go out in the order they were set, and setting a few costs one
// small allocation.
type headerField struct{ name, value string }

// SetHeader sets name to value, replacing earlier values of exactly that
// name; names are written exactly as given (X-Nginx-PushStream-Explain).
func (w *Response) SetHeader(name, value string) {
	kept := w.header[:0]
	for _, f := range w.header {
		if f.name != name {
			kept = append(kept, f)
		}
	}
	w.header = kept
	w.AddHeader(name, value)
}

// AddHeader adds one more name: value line.
func (w *Response) AddHeader(name, value string) {
	if w.header == nil {
		w.header = make([]headerField, 0, 4)
	}
	w.header = append(w.header, headerField{name, value})
}

// LocalAddr is the configured listen address this connection arrived on.
func (w *Response) LocalAddr() string { return w.c.listenAddr }

// Stopping is closed when the server starts shutting down.
func (w *Response) Stopping() <-chan struct{} { return w.c.srv.stopping }

// Waker interrupts Park from any goroutine.
func (w *Response) Waker() *Waker { return w.waker }

// Park blocks until a wake, the deadline (zero: none), new client bytes or
// the client closing. See Event.
func (w *Response) Park(deadline time.Time) (Event, error) { return w.c.park(w.waker, deadline) }

// Reader gives access to bytes the client sent after the request (reported
// by EventData). Read only what is Buffered: a further read may block.
func (w *Response) Reader() *bufio.Reader { return w.c.reader() }

// SetCloseAfter closes the connection after this response (e.g. after a 500
// out-of-memory answer). Call it before writing.
func (w *Response) SetCloseAfter() { w.closeAfter = true }

// Written reports whether the status line has been sent.
func (w *Response) Written() bool { return w.wroteHeader }

// Status is the status sent, or 0.
func (w *Response) Status() int { return w.status }

// BytesSent is the number of bytes written for this request so far,
// hijacked writes included (access log).
func (w *Response) BytesSent() int64 { return w.c.sent }

// Err is the first write error, if any.
func (w *Response) Err() error { return w.err }

// WriteHeaderOnly sends a header-only response: Content-Length: 0 (left out
// on 304 and 1xx) and no body.
func (w *Response) WriteHeaderOnly(code int) error {
	if w.wroteHeader {
		return ErrWritten
	}
	w.decideKeepAlive(false)
	buf := getBuf()
	defer putBuf(buf)
	b := w.appendHead((*buf)[:0], code, "")
	if bodyAllowed(code) {
		b = append(b, "Content-Length: 0\r\n"...)
	}
	b = append(b, "\r\n"...)
	*buf = b
	return w.write(net.Buffers{b})
}

// WriteBody sends a complete response with Content-Length, or gzip-encoded
// and chunked when the gzip policy applies. A HEAD request gets the headers
// only.
func (w *Response) WriteBody(code int, contentType string, body []byte) error {
	if w.wroteHeader {
		return ErrWritten
	}
	if w.gzipApplies(code, contentType, len(body)) {
		if err := w.startStream(code, contentType, true); err != nil {
			return err
		}
		if err := w.WritePiece(body); err != nil {
			return err
		}
		return w.Finish()
	}
	w.decideKeepAlive(false)
	buf := getBuf()
	defer putBuf(buf)
	b := w.appendHead((*buf)[:0], code, contentType)
	if bodyAllowed(code) {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	*buf = b
	if w.head || !bodyAllowed(code) || len(body) == 0 {
		return w.write(net.Buffers{b})
	}
	return w.write(net.Buffers{b, body})
}

// WriteTooLarge sends nginx's 413 page and closes the connection after it.
func (w *Response) WriteTooLarge() error {
	w.closeAfter = true
	return w.WriteBody(http.StatusRequestEntityTooLarge, "text/html", []byte(tooLargePage))
}

// StartChunked sends the status line and headers at once and opens a stream:
// chunked for HTTP/1.1; for HTTP/1.0 the body is unframed and the connection
// closes at the end. Then WritePiece per piece and Finish.
func (w *Response) StartChunked(code int, contentType string) error {
	if w.wroteHeader {
		return ErrWritten
	}
	return w.startStream(code, contentType, w.gzipApplies(code, contentType, -1))
}

// WriteWhole sends a streamed answer whose pieces are all known (a
// long-polling answer): the bytes of StartChunked, WritePieces and Finish,
// in one writev instead of three when the body is chunked and not
// compressed.
func (w *Response) WriteWhole(code int, contentType string, pieces [][]byte) error {
	if w.wroteHeader {
		return ErrWritten
	}
	gzipOn := w.gzipApplies(code, contentType, -1)
	if gzipOn || !w.http11 || w.head {
		if err := w.startStream(code, contentType, gzipOn); err != nil {
			return err
		}
		if err := w.WritePieces(pieces); err != nil {
			return err
		}
		return w.Finish()
	}
	w.streaming, w.chunked, w.finished = true, true, true
	w.decideKeepAlive(false)
	buf := getBuf()
	defer putBuf(buf)
	b := w.appendHead((*buf)[:0], code, contentType)
	b = append(b, "Transfer-Encoding: chunked\r\n\r\n"...)
	*buf = b
	var heads chunkHeads
	bufs := make(net.Buffers, 1, 2+3*len(pieces))
	bufs[0] = b
	bufs = w.chunksInto(bufs, pieces, &heads)
	return w.write(append(bufs, lastChunk))
}

func (w *Response) startStream(code int, contentType string, gzipOn bool) error {
	w.streaming = true
	w.chunked = w.http11
	w.decideKeepAlive(!w.chunked)
	buf := getBuf()
	defer putBuf(buf)
	b := w.appendHead((*buf)[:0], code, contentType)
	if gzipOn {
		b = append(b, "Content-Encoding: gzip\r\n"...)
		w.gz = newGzipStream(w.gzipPolicy.Level)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	b = append(b, "\r\n"...)
	*buf = b
	return w.write(net.Buffers{b})
}

// WritePiece writes p as ONE chunk and flushes it at once (spec README §3
// "Chunk rule"). An empty piece is skipped: a 0-length chunk would end the
// stream.
func (w *Response) WritePiece(p []byte) error {
	if len(p) == 0 {
		return w.err
	}
	return w.WritePieces([][]byte{p})
}

// WritePieces writes each non-empty piece as its own chunk, all in one
// syscall (several queued messages for one subscriber).
func (w *Response) WritePieces(pieces [][]byte) error {
	if !w.streaming || w.finished {
		return ErrWritten
	}
	if w.err != nil {
		return w.err
	}
	if w.head {
		return nil
	}
	if w.gz != nil {
		for _, p := range pieces {
			if len(p) == 0 {
				continue
			}
			out, err := w.gz.piece(p)
			if err != nil {
				return w.fail(err)
			}
			if err := w.write(w.frame(nil, out)); err != nil {
				return err
			}
		}
		return nil
	}
	var heads chunkHeads
	bufs := w.chunks(pieces, &heads)
	if len(bufs) == 0 {
		return nil
	}
	return w.write(bufs)
}

// chunkHeads is stack room for the size lines of the first pieces.
type chunkHeads [16][20]byte

// chunks frames each non-empty piece as its own chunk (or raw bytes on
// HTTP/1.0), ready for one writev.
func (w *Response) chunks(pieces [][]byte, heads *chunkHeads) net.Buffers {
	return w.chunksInto(nil, pieces, heads)
}

func (w *Response) chunksInto(bufs net.Buffers, pieces [][]byte, heads *chunkHeads) net.Buffers {
	for i, p := range pieces {
		if len(p) == 0 {
			continue
		}
		var head []byte
		if i < len(heads) {
			head = heads[i][:0]
		}
		bufs = w.frameInto(bufs, head, p)
	}
	return bufs
}

// frame returns the buffers of one chunk (or the raw bytes on HTTP/1.0).
func (w *Response) frame(head []byte, p []byte) net.Buffers { return w.frameInto(nil, head, p) }

func (w *Response) frameInto(bufs net.Buffers, head []byte, p []byte) net.Buffers {
	if !w.chunked {
		return append(bufs, p)
	}
	head = strconv.AppendInt(head, int64(len(p)), 16)
	head = append(head, '\r', '\n')
	return append(bufs, head, p, crlf)
}

var (
	crlf      = []byte("\r\n")
	lastChunk = []byte("0\r\n\r\n")
)

// Finish ends a stream: the gzip trailer (if any) and the last chunk.
func (w *Response) Finish() error {
	if !w.streaming {
		return ErrWritten
	}
	if w.finished {
		return w.err
	}
	w.finished = true
	var bufs net.Buffers
	if w.gz != nil {
		out, err := w.gz.close()
		w.gz = nil
		if err != nil {
			return w.fail(err)
		}
		if len(out) > 0 && !w.head {
			bufs = w.frame(nil, out)
		}
	}
	if w.chunked && !w.head {
		bufs = append(bufs, lastChunk)
	}
	if len(bufs) == 0 || w.err != nil {
		return w.err
	}
	return w.write(bufs)
}

// decideKeepAlive fixes whether the connection survives this response.
func (w *Response) decideKeepAlive(mustClose bool) {
	w.keepAlive = !mustClose && !w.closeAfter && !w.reqClose &&
		w.c.srv.keepAlive(w.c.listenAddr) > 0 && !w.c.srv.isStopping()
}

// appendHead writes the status line and headers, without the final CRLF.
func (w *Response) appendHead(b []byte, code int, contentType string) []byte {
	w.wroteHeader = true
	// The header map is not needed any more: a long-lived subscriber must
	// not keep it (idle memory per connection).
	defer func() { w.header = nil }()
	w.status = code
	b = append(b, StatusLine(code)...)
	b = append(b, "Server: pushstream\r\nDate: "...)
	b = append(b, httpDate()...)
	b = append(b, "\r\n"...)
	if contentType != "" {
		b = appendHeader(b, "Content-Type", contentType)
	}
	for _, f := range w.header {
		b = appendHeader(b, f.name, f.value)
	}
	if w.keepAlive {
		b = append(b, "Connection: keep-alive\r\n"...)
	} else {
		b = append(b, "Connection: close\r\n"...)
	}
	return b
}

// appendHeader writes one header line; CR and LF in the value become spaces
// so a value can never inject a header.
func appendHeader(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':', ' ')
	if strings.ContainsAny(value, "\r\n") {
		value = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, value)
	}
	b = append(b, value...)
	return append(b, '\r', '\n')
}

func (w *Response) write(bufs net.Buffers) error {
	if w.err != nil {
		return w.err
	}
	err := w.c.lockWrite()
	if err == nil {
		_, err = w.c.writeNow(bufs)
	}
	w.c.unlockWrite()
	if err != nil {
		return w.fail(fmt.Errorf("httpd: write response: %w", err))
	}
	return nil
}

func (w *Response) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	w.keepAlive = false
	return w.err
}

// headBufPool holds the buffers status lines and headers are built in.
var headBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return headBufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 8<<10 {
		*b = (*b)[:0]
		headBufPool.Put(b)
	}
}

// dateCache holds the Date header value of the current second.
var dateCache atomic.Pointer[dateEntry]

type dateEntry struct {
	sec int64
	s   string
}

func httpDate() string {
	now := time.Now()
	if e := dateCache.Load(); e != nil && e.sec == now.Unix() {
		return e.s
	}
	e := &dateEntry{sec: now.Unix(), s: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(e)
	return e.s
}

// tooLargePage is the nginx-style 413 body.
const tooLargePage = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n" +
	"<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n" +
	"<hr><center>pushstream</center>\r\n</body>\r\n</html>\r\n"

// badRequestPage is the nginx-style 400 body sent for unparsable requests.
const badRequestPage = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n" +
	"<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n" +
	"<hr><center>pushstream</center>\r\n</body>\r\n</html>\r\n"
