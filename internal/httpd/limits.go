package httpd

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// Limits guard the server against abusive and slow clients (nginx's
// client_header_timeout, client_body_timeout, send_timeout,
// client_header_buffer_size, large_client_header_buffers, plus connection
// caps). Zero fields keep the Server's fields or the defaults.
type Limits struct {
	// MaxConns caps open connections (subscribers included); MaxConnsPerIP
	// caps them per client IP. A connection beyond a cap is answered 503
	// and closed at once, before its request is read.
	MaxConns      int
	MaxConnsPerIP int
	// HeaderTimeout bounds the wait for a new connection's first byte and
	// the reading of each request head; a client too slow is disconnected
	// without an answer (nginx does the same).
	HeaderTimeout time.Duration
	// BodyTimeout bounds the wait between two reads of a request body
	// (408 from the publisher).
	BodyTimeout time.Duration
	// SendTimeout bounds each write to a client.
	SendTimeout time.Duration
	// MaxHeaderBytes bounds the whole request head (400); MaxLineBytes the
	// request line (414) and each header line (400).
	MaxHeaderBytes int
	MaxLineBytes   int
}

// DefaultMaxLineBytes is nginx's large_client_header_buffers size.
const DefaultMaxLineBytes = 8 << 10

// SetLimits installs l for connections and requests from now on (a
// reload calls it again; open connections keep their admission).
func (s *Server) SetLimits(l Limits) {
	s.limits.Store(&l)
}

func (s *Server) currentLimits() *Limits {
	if l := s.limits.Load(); l != nil {
		return l
	}
	return &Limits{}
}

func (s *Server) bodyTimeout() time.Duration {
	if t := s.currentLimits().BodyTimeout; t > 0 {
		return t
	}
	return DefaultHeaderTimeout
}

func (s *Server) maxLineBytes() int {
	if n := s.currentLimits().MaxLineBytes; n > 0 {
		return n
	}
	return DefaultMaxLineBytes
}

// Errors of a request head beyond the size limits.
var (
	errRequestLineTooLarge = errors.New("httpd: request line too large")
	errHeaderLineTooLarge  = errors.New("httpd: request header line too large")
)

// admission is the connection accounting behind MaxConns / MaxConnsPerIP.
// Its map is guarded by Server.mu.
type admission struct {
	perIP     map[string]int
	rejecting atomic.Int32 // 503 answers in flight
}

// errOverLimit: the connection is beyond MaxConns or MaxConnsPerIP.
var errOverLimit = errors.New("httpd: too many connections")

// admitLocked counts c in, or refuses it; s.mu is held.
func (s *Server) admitLocked(c *conn) error {
	l := s.currentLimits()
	c.ip = remoteIP(c.nc)
	if l.MaxConns > 0 && len(s.conns) >= l.MaxConns {
		return errOverLimit
	}
	if s.adm.perIP == nil {
		s.adm.perIP = map[string]int{}
	}
	if l.MaxConnsPerIP > 0 && s.adm.perIP[c.ip] >= l.MaxConnsPerIP {
		return errOverLimit
	}
	s.adm.perIP[c.ip]++
	return nil
}

// releaseLocked counts c out; s.mu is held.
func (s *Server) releaseLocked(c *conn) {
	if n := s.adm.perIP[c.ip]; n > 1 {
		s.adm.perIP[c.ip] = n - 1
	} else {
		delete(s.adm.perIP, c.ip)
	}
}

func remoteIP(nc net.Conn) string {
	a := nc.RemoteAddr()
	if a == nil {
		return ""
	}
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// Bounds of the 503 answers to refused connections: a flood must not turn
// into as many goroutines, so beyond maxRejecting they are just closed.
const (
	maxRejecting  = 128
	rejectLinger  = 500 * time.Millisecond
	rejectTimeout = time.Second
)

// reject answers a refused connection 503 and closes it.
func (s *Server) reject(nc net.Conn) {
	if s.adm.rejecting.Add(1) > maxRejecting {
		s.adm.rejecting.Add(-1)
		_ = nc.Close()
		return
	}
	go func() {
		defer s.adm.rejecting.Add(-1)
		defer nc.Close()
		_ = nc.SetWriteDeadline(time.Now().Add(rejectTimeout))
		if _, err := io.WriteString(nc, overLimitResponse); err != nil {
			return
		}
		// Half-close and drain briefly so the request the client is
		// sending does not make the kernel reset the 503 away.
		if cw, ok := nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			_ = nc.SetReadDeadline(time.Now().Add(rejectLinger))
			_, _ = io.CopyN(io.Discard, nc, 64<<10)
		}
	}()
}

// headScan checks line lengths while a request head is read; it stops at
// the empty line that ends the head, so body bytes are never judged.
type headScan struct {
	maxLine int
	line    int  // bytes of the current line so far
	lines   int  // complete lines seen
	prevCR  bool // the previous chunk ended in CR
	done    bool
	err     error
	readErr error // the socket error that ended the head, if any
}

func (h *headScan) reset(maxLine int) { *h = headScan{maxLine: maxLine} }

// feed scans p and returns the first violation (sticky).
func (h *headScan) feed(p []byte) error {
	for len(p) > 0 && !h.done && h.err == nil {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			h.line += len(p)
			h.prevCR = p[len(p)-1] == '\r'
			p = nil
			if h.line > h.maxLine+1 { // +1: a CR may still end the line
				h.fail()
			}
			continue
		}
		n := h.line + i
		if (i > 0 && p[i-1] == '\r') || (i == 0 && h.prevCR) {
			n-- // the CR of CRLF is not part of the line
		}
		p = p[i+1:]
		if n > h.maxLine {
			h.fail()
			break
		}
		if n == 0 && h.lines > 0 {
			h.done = true
		}
		h.lines++
		h.line, h.prevCR = 0, false
	}
	return h.err
}

func (h *headScan) fail() {
	if h.lines == 0 {
		h.err = errRequestLineTooLarge
	} else {
		h.err = errHeaderLineTooLarge
	}
}

// beginHead arms the head limits before a request is read; bytes already
// buffered (read ahead or by Park) are scanned first.
func (c *conn) beginHead() {
	c.cr.limited, c.cr.remain = true, int64(c.srv.maxHeaderBytes())
	c.cr.scan.reset(c.srv.maxLineBytes())
	if n := c.buffered(); n > 0 {
		b, _ := c.br.Peek(n)
		_ = c.cr.scan.feed(b)
	}
}

// headError is the size violation seen while the head was read, if any.
func (c *conn) headError(err error) error {
	if c.cr.scan.err != nil {
		return c.cr.scan.err
	}
	// bufio hands a partial line over without the read error, so the
	// parser may blame the syntax of a head that merely stopped arriving.
	if err != nil && c.cr.scan.readErr != nil {
		return c.cr.scan.readErr
	}
	return err
}

// firstDeadline is the wait for a request: client_header_timeout for a
// new connection, the keep-alive timeout after a response.
func (c *conn) firstDeadline(keepAlive time.Time) time.Time {
	if c.served {
		return keepAlive
	}
	c.served = true
	return time.Now().Add(c.srv.headerTimeout())
}

// writeHeadError answers a request head that could not be read and
// reports whether anything was written. A client that timed out gets
// nothing: answering slow clients is what they want.
func (c *conn) writeHeadError(err error) bool {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false
	case errors.Is(err, errRequestLineTooLarge):
		c.writeErrorPage(http.StatusRequestURITooLong, uriTooLargePage)
	case errors.Is(err, errHeaderLineTooLarge), errors.Is(err, errHeaderTooLarge):
		c.writeErrorPage(http.StatusBadRequest, headerTooLargePage)
	default:
		c.writeBadRequest()
	}
	return true
}

func (c *conn) writeErrorPage(code int, page string) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.writeTimeout()))
	_, _ = io.WriteString(c.nc, StatusLine(code)+
		"Server: pushstream\r\nContent-Type: text/html\r\nContent-Length: "+
		itoa(len(page))+"\r\nConnection: close\r\n\r\n"+page)
}

// timeoutBody bounds the wait between two reads of a request body. It
// only moves the read deadline inside Read, never while the handler parks.
type timeoutBody struct {
	c    *conn
	body io.ReadCloser
}

func (b *timeoutBody) Read(p []byte) (int, error) {
	// Armed before each read, never cleared: the next reader arms its own.
	b.c.armReadWithin(b.c.srv.bodyTimeout())
	return b.body.Read(p)
}

func (b *timeoutBody) Close() error { return b.body.Close() }

// withBodyTimeout wraps a request body in the body timeout. The wrapper
// lives in the connection (one request at a time): no allocation per
// request.
func (c *conn) withBodyTimeout(body io.ReadCloser) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	c.bodyRead = timeoutBody{c: c, body: body}
	return &c.bodyRead
}

// IsTimeout reports whether err comes from a read or write deadline (a
// body that stopped arriving: the publisher answers 408).
func IsTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

const overLimitPage = "<html>\r\n<head><title>503 Service Unavailable</title></head>\r\n" +
	"<body>\r\n<center><h1>503 Service Unavailable</h1></center>\r\n" +
	"<hr><center>pushstream</center>\r\n</body>\r\n</html>\r\n"

// overLimitResponse is the whole answer to a refused connection.
var overLimitResponse = StatusLine(http.StatusServiceUnavailable) +
	"Server: pushstream\r\nContent-Type: text/html\r\nContent-Length: " + itoa(len(overLimitPage)) +
	"\r\nX-Nginx-PushStream-Explain: Too many connections.\r\nConnection: close\r\n\r\n" + overLimitPage

const uriTooLargePage = "<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n" +
	"<body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n" +
	"<hr><center>pushstream</center>\r\n</body>\r\n</html>\r\n"

const headerTooLargePage = "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n" +
	"<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n" +
	"<center>Request Header Or Cookie Too Large</center>\r\n" +
	"<hr><center>pushstream</center>\r\n</body>\r\n</html>\r\n"
