package httpd

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
)

// rawIO runs raw syscalls on a socket through its RawConn without
// allocating. RawConn takes a callback; a closure capturing the call's
// buffer and results would escape to the heap on every read and every
// write (three allocations per publish request). Here the callbacks are
// method values bound once per rawIO and the arguments and results travel
// in its fields. A call borrows one from a pool for its duration, so an
// idle connection holds none (idle memory).
type rawIO struct {
	rc   syscall.RawConn
	p    []byte
	bufs net.Buffers
	raw  bool
	n    int
	err  error

	waitFn  func(fd uintptr) bool
	onceFn  func(fd uintptr)
	writeFn func(fd uintptr) bool
}

var rawIOPool = sync.Pool{New: func() any {
	r := &rawIO{}
	r.waitFn, r.onceFn, r.writeFn = r.waitStep, r.onceStep, r.writeStep
	return r
}}

func getRawIO(rc syscall.RawConn) *rawIO {
	r := rawIOPool.Get().(*rawIO)
	r.rc = rc
	return r
}

func (r *rawIO) put() {
	r.rc, r.p, r.bufs, r.err = nil, nil, nil, nil
	rawIOPool.Put(r)
}

// readWait reads like net.Conn.Read (waiting for data, honouring the read
// deadline) but issues read(2) as a raw syscall: the socket is
// non-blocking, so the runtime need not hand our P to another thread when
// the call is slow, which costs context switches on a busy single core.
func readWait(rc syscall.RawConn, p []byte) (int, error) {
	r := getRawIO(rc)
	r.p, r.n, r.err = p, 0, nil
	cerr := r.rc.Read(r.waitFn)
	n, err := r.n, r.err
	r.put()
	switch {
	case err != nil:
		return 0, err
	case n > 0:
		return n, nil
	case cerr != nil:
		return 0, cerr
	case len(p) == 0:
		return 0, nil
	}
	return 0, io.EOF
}

func (r *rawIO) waitStep(fd uintptr) bool {
	r.n, r.err = readOnce(fd, r.p)
	if r.err == syscall.EAGAIN {
		r.err = nil // wait for readability (or the deadline: cerr), then try again
		return false
	}
	return true
}

// readNonblock is one non-blocking read(2): errWouldBlock when the socket
// has nothing.
func readNonblock(rc syscall.RawConn, p []byte) (int, error) {
	r := getRawIO(rc)
	r.p, r.n, r.err = p, 0, nil
	cerr := r.rc.Control(r.onceFn)
	n, err := r.n, r.err
	r.put()
	switch {
	case cerr != nil:
		return 0, cerr
	case err == syscall.EAGAIN:
		return 0, errWouldBlock
	case err != nil:
		return 0, err
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *rawIO) onceStep(fd uintptr) { r.n, r.err = readOnce(fd, r.p) }

// tryWritev is one non-blocking writev, never waiting for writability.
// n >= 0 is what the socket took (0 when it was full); cerr: the
// connection is closed; werr: the write failed. raw issues it as a raw
// syscall (see writev).
func tryWritev(rc syscall.RawConn, bufs net.Buffers, raw bool) (n int, cerr, werr error) {
	r := getRawIO(rc)
	r.bufs, r.raw, r.n, r.err = bufs, raw, 0, nil
	cerr = r.rc.Write(r.writeFn)
	n, werr = r.n, r.err
	r.put()
	if errors.Is(werr, syscall.EAGAIN) || errors.Is(werr, syscall.EINTR) {
		werr = nil
	}
	return max(n, 0), cerr, werr
}

func (r *rawIO) writeStep(fd uintptr) bool {
	r.n, r.err = writev(fd, r.bufs, r.raw)
	return true
}
