//go:build linux

package bench

import (
	"errors"
	"fmt"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// StatusError is a publish answered with a non-2xx status.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return "publish: HTTP status " + strconv.Itoa(e.Status) }

// publisher is one keep-alive HTTP/1.1 connection that POSTs messages, as
// a non-blocking state machine on a raw socket: send writes the prepared
// request, feed parses the answer as it arrives. publishAll drives several
// from one epoll loop; publish drives one and waits with poll(2). Buffers
// are reused: a publish does not allocate.
type publisher struct {
	o    *Options
	host string // the node this publisher talks to
	fd   int    // -1 when not connected
	req  []byte
	body []byte
	buf  []byte // read buffer of the blocking publish

	// The answer being read.
	head   respHead
	chunk  chunkedDecoder
	inHead bool
	kind   bodyKind
	left   int64
	heads  headReader
	got    bool // some answer byte arrived
	fresh  bool // the connection was made for this request
}

func newPublisher(o *Options) *publisher {
	return &publisher{o: o, host: o.host, fd: -1, req: make([]byte, 0, 512+o.Size), body: make([]byte, 0, o.Size+64), buf: make([]byte, 4096)}
}

func (p *publisher) close() {
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
}

// prepare builds the request for one payload to channel ch, stamped now.
func (p *publisher) prepare(ch string, pub, seq int64) {
	p.body = AppendPayload(p.body[:0], pub, seq, time.Now().UnixNano(), p.o.Size)
	r := append(p.req[:0], "POST "...)
	r = append(r, p.o.PubPath...)
	r = append(r, ch...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, p.host...)
	r = append(r, "\r\nContent-Type: text/plain\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(p.body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, p.body...)
	p.req = r
}

// send writes the prepared request, connecting first when needed, and
// resets the answer parser.
func (p *publisher) send() error {
	p.inHead, p.got = true, false
	p.heads.reset()
	p.fresh = p.fd < 0
	if p.fresh {
		fd, err := dialRaw(p.host, p.req, p.o.Timeout)
		if err != nil {
			return fmt.Errorf("publish: %s: %w", p.host, err)
		}
		p.fd = fd
		return nil
	}
	if err := writeRaw(p.fd, p.req); err != nil {
		return fmt.Errorf("publish: write: %w", err)
	}
	return nil
}

var errAnswerCut = errors.New("publish: connection ended before the whole answer")

// readOnce reads what the socket has into buf and parses it. done: the
// answer is complete (err is then its outcome); an error without done
// means the connection failed.
func (p *publisher) readOnce(buf []byte) (done bool, err error) {
	n, err := readRaw(p.fd, buf)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("publish: read answer: %w", err)
	case n == 0:
		if !p.inHead && p.kind == bodyUntilClose {
			return true, p.outcome()
		}
		return false, errAnswerCut
	}
	p.got = true
	return p.feed(buf[:n])
}

// feed parses answer bytes; bytes after a complete answer are an error (a
// publisher has one request in flight).
func (p *publisher) feed(data []byte) (done bool, err error) {
	if p.inHead {
		rest, ok, err := p.heads.next(data, len(p.buf), &p.head)
		if err != nil {
			return false, fmt.Errorf("publish: %w", err)
		}
		if !ok {
			return false, nil
		}
		data, p.inHead = rest, false
		switch h := &p.head; {
		case h.chunked:
			p.kind = bodyChunked
			p.chunk.reset()
		case h.contentLength >= 0:
			p.kind, p.left = bodyLength, h.contentLength
		case h.status == 204 || h.status == 304:
			p.kind, p.left = bodyLength, 0
		default:
			p.kind = bodyUntilClose
			p.head.close = true
		}
	}
	switch p.kind {
	case bodyLength:
		p.left -= int64(len(data))
		if p.left <= 0 {
			return true, p.outcome()
		}
	case bodyChunked:
		_, end, err := p.chunk.feed(data, nil)
		if err != nil {
			return false, fmt.Errorf("publish: %w", err)
		}
		if end {
			return true, p.outcome()
		}
	}
	return false, nil // bodyUntilClose: until the server closes
}

// outcome ends an answer: the connection closes when the server asked,
// and a non-2xx status is an error.
func (p *publisher) outcome() error {
	if p.head.close {
		p.close()
	}
	if p.head.status < 200 || p.head.status > 299 {
		return &StatusError{p.head.status}
	}
	return nil
}

// retryable: the connection was closed before any answer byte and was an
// old keep-alive one (the server's keep-alive limit), so the request may
// be sent again once on a new connection.
func (p *publisher) retryable(err error) bool {
	var se *StatusError
	return !errors.As(err, &se) && !p.got && !p.fresh
}

var errAnswerTimeout = errors.New("publish: no answer in time")

// publish sends one payload to channel ch and waits for the answer.
func (p *publisher) publish(ch string, pub, seq int64) error {
	p.prepare(ch, pub, seq)
	for attempt := 0; ; attempt++ {
		err := p.roundTrip()
		if err == nil {
			return nil
		}
		var se *StatusError
		if errors.As(err, &se) {
			return err
		}
		retry := p.retryable(err) && attempt == 0
		p.close()
		if !retry {
			return err
		}
	}
}

// roundTrip sends the prepared request and waits (poll) for its answer.
func (p *publisher) roundTrip() error {
	if err := p.send(); err != nil {
		return err
	}
	deadline := time.Now().Add(p.o.Timeout)
	for {
		wait := time.Until(deadline)
		if wait <= 0 {
			return errAnswerTimeout
		}
		pfd := [1]unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd[:], int(wait/time.Millisecond)+1); err != nil && err != unix.EINTR {
			return fmt.Errorf("publish: poll: %w", err)
		}
		if done, err := p.readOnce(p.buf); done || err != nil {
			return err
		}
	}
}
