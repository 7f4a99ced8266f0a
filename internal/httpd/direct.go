package httpd

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// Direct writes let another goroutine (the transport's flusher) write to a
// streaming response or a hijacked connection without waking the
// connection goroutine and without ever blocking: a fan-out then costs one
// non-blocking write per subscriber instead of a goroutine switch, a park
// and a write. Bytes the socket does not take at once are kept in the
// connection's pending output; the connection goroutine, woken for it,
// writes them (blocking) before anything else.

// directState is the write side of a connection shared by its goroutine and
// direct writers.
type directState struct {
	mu      sync.Mutex // held by whoever writes to the socket
	pending []byte     // bytes a direct write could not send yet
	raw     syscall.RawConn
	rawOK   bool // raw was looked up

	writeDeadline time.Time // armed by armWrite (under mu)
}

var errDirectClosed = errors.New("httpd: direct write: connection failed")

// rawConn returns the socket's RawConn, or nil when the connection is not
// a plain socket (TLS, tests with net.Pipe).
func (c *conn) rawConn() syscall.RawConn {
	if !c.ws.rawOK {
		c.ws.rawOK = true
		if sc, ok := c.nc.(syscall.Conn); ok {
			if rc, err := sc.SyscallConn(); err == nil {
				c.ws.raw = rc
			}
		}
	}
	return c.ws.raw
}

// lockWrite takes the write side for the connection goroutine and first
// sends what direct writers left pending.
func (c *conn) lockWrite() error {
	c.ws.mu.Lock()
	if len(c.ws.pending) == 0 {
		return nil
	}
	c.armWrite()
	n, err := c.nc.Write(c.ws.pending)
	c.sent += int64(n)
	c.ws.pending = c.ws.pending[:0]
	if cap(c.ws.pending) > 64<<10 {
		c.ws.pending = nil
	}
	if err != nil {
		return fmt.Errorf("httpd: write pending: %w", err)
	}
	return nil
}

func (c *conn) unlockWrite() { c.ws.mu.Unlock() }

// tryBeginDirect takes the write side for a direct writer if nobody holds
// it and nothing is pending.
func (c *conn) tryBeginDirect() bool {
	if !c.ws.mu.TryLock() {
		return false
	}
	if len(c.ws.pending) > 0 || c.rawConn() == nil {
		c.ws.mu.Unlock()
		return false
	}
	return true
}

// writeDirect sends bufs without blocking; what the socket does not take is
// kept pending. needWake reports that the connection goroutine must be
// woken to send it. Call between tryBeginDirect and unlockWrite.
func (c *conn) writeDirect(bufs net.Buffers) (needWake bool, err error) {
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if total == 0 {
		return false, nil
	}
	n, cerr, werr := tryWritev(c.rawConn(), bufs, false)
	if cerr != nil {
		return false, errDirectClosed
	}
	if werr != nil {
		return false, fmt.Errorf("httpd: direct write: %w", werr)
	}
	c.sent += int64(n)
	if n == total {
		return false, nil
	}
	for _, b := range skipBytes(bufs, n) {
		c.ws.pending = append(c.ws.pending, b...)
	}
	return true, nil
}

// TryBeginDirect takes the response for a direct writer. It fails when the
// connection goroutine is writing, output is pending, the response is not a
// started uncompressed stream, or the socket cannot be written directly.
// On success the caller must call EndDirect.
func (w *Response) TryBeginDirect() bool {
	if !w.streaming || w.finished || w.gz != nil || w.err != nil || w.head {
		return false
	}
	return w.c.tryBeginDirect()
}

// DirectPieces writes pieces as chunks (one chunk per piece, README §3)
// without blocking. needWake: part of it is pending; wake the connection
// goroutine (any later write of it sends the rest first).
func (w *Response) DirectPieces(pieces [][]byte) (needWake bool, err error) {
	var heads chunkHeads
	return w.c.writeDirect(w.chunks(pieces, &heads))
}

// EndDirect releases the response taken by TryBeginDirect.
func (w *Response) EndDirect() { w.c.unlockWrite() }

// FlushPending sends what direct writes left pending (blocking).
func (w *Response) FlushPending() error {
	if err := w.c.lockWrite(); err != nil {
		w.c.unlockWrite()
		return w.fail(err)
	}
	w.c.unlockWrite()
	return nil
}

// TryBeginDirect takes the hijacked connection for a direct writer; see
// Response.TryBeginDirect.
func (c *Conn) TryBeginDirect() bool { return c.c.tryBeginDirect() }

// DirectWrite writes bufs without blocking; see Response.DirectPieces.
func (c *Conn) DirectWrite(bufs net.Buffers) (needWake bool, err error) {
	return c.c.writeDirect(bufs)
}

// EndDirect releases the connection taken by TryBeginDirect.
func (c *Conn) EndDirect() { c.c.unlockWrite() }

// FlushPending sends what direct writes left pending (blocking).
func (c *Conn) FlushPending() error {
	err := c.c.lockWrite()
	c.c.unlockWrite()
	return err
}

// armWrite sets the write deadline for the next write. Re-arming costs a
// runtime timer update, so a deadline still more than half the send
// timeout away is kept: a write may then be cut after between half and
// all of send_timeout.
func (c *conn) armWrite() {
	d := c.srv.writeTimeout()
	now := time.Now()
	if c.ws.writeDeadline.Sub(now) > d/2 {
		return
	}
	c.ws.writeDeadline = now.Add(d)
	_ = c.nc.SetWriteDeadline(c.ws.writeDeadline)
}

// writeNow writes bufs for the connection goroutine (write side held):
// first one non-blocking writev, then, for what the socket did not take,
// the blocking path with the send timeout.
func (c *conn) writeNow(bufs net.Buffers) (int64, error) {
	var sent int64
	if rc := c.rawConn(); rc != nil {
		n, cerr, werr := tryWritev(rc, bufs, true)
		if cerr != nil {
			return 0, cerr
		}
		if werr != nil {
			return 0, werr
		}
		if n > 0 {
			sent = int64(n)
			bufs = skipBytes(bufs, n)
		}
		if len(bufs) == 0 {
			c.sent += sent
			return sent, nil
		}
	}
	n, err := c.writeBlocking(bufs)
	sent += n
	c.sent += sent
	return sent, err
}

// writeBlocking is the slow path of writeNow, apart so that the copy of
// bufs that WriteTo needs is only made when it runs.
func (c *conn) writeBlocking(bufs net.Buffers) (int64, error) {
	c.armWrite()
	return bufs.WriteTo(c.nc)
}

// skipBytes drops the first n bytes of bufs.
func skipBytes(bufs net.Buffers, n int) net.Buffers {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if len(bufs) > 0 && n > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}
