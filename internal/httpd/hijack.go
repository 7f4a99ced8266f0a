package httpd

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Conn is a hijacked connection (WebSocket). It keeps the one-goroutine
// model: the handler that hijacked keeps running on the connection goroutine
// and uses Park/Waker exactly like on a Response. The server closes the
// socket when the handler returns.
type Conn struct {
	c     *conn
	w     *Response
	waker *Waker
}

// Hijack takes the connection over; no HTTP response is written by the
// server any more. Bytes the client already sent stay readable through
// ReadBuffered.
func (w *Response) Hijack() (*Conn, error) {
	if w.wroteHeader {
		return nil, ErrWritten
	}
	if w.c.hijacked {
		return nil, errors.New("httpd: connection already hijacked")
	}
	w.c.hijacked = true
	w.c.settle() // a WebSocket session is long; publishers must not wait for it
	w.wroteHeader = true
	w.status = http.StatusSwitchingProtocols // the handler's next bytes are its 101
	w.keepAlive = false
	w.c.seen = 0 // bytes already buffered are reported by the first Park
	w.header = nil
	return &Conn{c: w.c, w: w, waker: w.waker}, nil
}

// Waker interrupts Park from any goroutine.
func (c *Conn) Waker() *Waker { return c.waker }

// Park: see Response.Park.
func (c *Conn) Park(deadline time.Time) (Event, error) { return c.c.park(c.waker, deadline) }

// ReadBuffered returns the client bytes buffered so far and consumes them;
// the slice is valid until the next call on c. It never blocks.
func (c *Conn) ReadBuffered() []byte {
	n := c.c.buffered()
	if n == 0 {
		return nil
	}
	b, _ := c.c.br.Peek(n) // n bytes are buffered: cannot fail
	_, _ = c.c.br.Discard(n)
	c.c.seen = 0
	return b
}

// Write writes p at once, within the server's write timeout.
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.c.lockWrite(); err != nil {
		c.c.unlockWrite()
		return 0, err
	}
	c.c.armWrite()
	n, err := c.c.nc.Write(p)
	c.c.sent += int64(n)
	c.c.unlockWrite()
	if err != nil {
		return n, fmt.Errorf("httpd: write: %w", err)
	}
	return n, nil
}

// WriteBuffers writes several frames in one syscall.
func (c *Conn) WriteBuffers(bufs net.Buffers) error {
	if err := c.c.lockWrite(); err != nil {
		c.c.unlockWrite()
		return err
	}
	c.c.armWrite()
	n, err := bufs.WriteTo(c.c.nc)
	c.c.sent += n
	c.c.unlockWrite()
	if err != nil {
		return fmt.Errorf("httpd: write: %w", err)
	}
	return nil
}

// Close closes the TCP connection now (e.g. invalid UTF-8 from the client).
func (c *Conn) Close() error { return c.c.nc.Close() }

// CloseWrite half-closes the connection after a final frame when the
// transport supports it, so the client reads everything before the FIN.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// RemoteAddr is the client address.
func (c *Conn) RemoteAddr() string { return c.c.nc.RemoteAddr().String() }

// LocalAddr is the configured listen address.
func (c *Conn) LocalAddr() string { return c.c.listenAddr }

// Stopping is closed when the server starts shutting down.
func (c *Conn) Stopping() <-chan struct{} { return c.c.srv.stopping }
