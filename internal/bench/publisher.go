package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// StatusError is a publish answered with a non-2xx status.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return "publish: HTTP status " + strconv.Itoa(e.Status) }

// publisher is one keep-alive HTTP/1.1 connection that POSTs messages. It
// reuses its buffers: a publish does not allocate.
type publisher struct {
	o     *Options
	host  string // the node this publisher talks to
	conn  net.Conn
	req   []byte
	body  []byte
	buf   []byte
	head  respHead
	chunk chunkedDecoder
}

func newPublisher(o *Options) *publisher {
	return &publisher{o: o, host: o.host, req: make([]byte, 0, 512+o.Size), body: make([]byte, 0, o.Size+64), buf: make([]byte, 4096)}
}

func (p *publisher) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// publish sends one payload to channel ch and waits for the answer. A
// connection closed before any answer byte is redialled once (keep-alive
// limits of the server), anything else is returned.
func (p *publisher) publish(ch string, pub, seq int64) error {
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
	for attempt := 0; ; attempt++ {
		fresh := p.conn == nil
		if fresh {
			c, err := net.DialTimeout("tcp", p.host, p.o.Timeout)
			if err != nil {
				return fmt.Errorf("publish: dial %s: %w", p.host, err)
			}
			p.conn = c
		}
		got, err := p.roundTrip()
		if err == nil {
			return nil
		}
		var se *StatusError
		if errors.As(err, &se) {
			return err
		}
		p.close()
		if got || fresh || attempt > 0 {
			return err
		}
	}
}

// roundTrip writes the prepared request and reads one response. got reports
// whether any response byte arrived.
func (p *publisher) roundTrip() (got bool, err error) {
	p.conn.SetDeadline(time.Now().Add(p.o.Timeout))
	if _, err := p.conn.Write(p.req); err != nil {
		return false, fmt.Errorf("publish: write: %w", err)
	}
	n := 0
	for {
		m, err := p.conn.Read(p.buf[n:])
		n += m
		if m > 0 {
			got = true
		}
		if end := bytes.Index(p.buf[:n], crlfcrlf); end >= 0 {
			if err := parseHead(p.buf[:end+4], &p.head); err != nil {
				return true, fmt.Errorf("publish: %w", err)
			}
			if err := p.skipBody(p.buf[end+4 : n]); err != nil {
				return true, err
			}
			if p.head.close {
				p.close()
			}
			if p.head.status < 200 || p.head.status > 299 {
				return true, &StatusError{p.head.status}
			}
			return true, nil
		}
		if n == len(p.buf) {
			return got, fmt.Errorf("publish: %w", errHeadTooLarge)
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return got, fmt.Errorf("publish: read answer: %w", err)
		}
	}
}

// skipBody reads and drops the answer body; rest is what followed the head.
func (p *publisher) skipBody(rest []byte) error {
	switch {
	case p.head.chunked:
		p.chunk.reset()
		for {
			_, done, err := p.chunk.feed(rest, nil)
			if err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			if done {
				return nil
			}
			m, err := p.conn.Read(p.buf)
			if m == 0 && err != nil {
				return fmt.Errorf("publish: read chunked answer: %w", err)
			}
			rest = p.buf[:m]
		}
	case p.head.contentLength >= 0:
		left := p.head.contentLength - int64(len(rest))
		for left > 0 {
			m, err := p.conn.Read(p.buf)
			left -= int64(m)
			if m == 0 && err != nil {
				return fmt.Errorf("publish: read answer body: %w", err)
			}
		}
		return nil
	case p.head.status == 204 || p.head.status == 304:
		return nil
	default: // body until close
		p.head.close = true
		_, err := io.Copy(io.Discard, p.conn)
		return err
	}
}
