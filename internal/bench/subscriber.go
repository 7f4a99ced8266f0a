package bench

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// wsKey is a fixed handshake key; the tool does not need a random one.
const wsKey = "cHVzaHN0cmVhbS1iZW5jaA=="

// run holds the counters every subscriber of a scenario reports into.
type run struct {
	delivered atomic.Int64 // unique in-range deliveries
	ready     atomic.Int64 // subscribers that saw a probe
	errors    atomic.Int64 // subscribers that ended with an error
	hists     Hists
}

// subscriber is one connection. Its goroutine owns every field except
// ready, which the coordinator reads.
type subscriber struct {
	o     *Options
	host  string // the node this subscriber talks to
	r     *run
	ch    int
	path  string
	conn  net.Conn
	buf   []byte
	req   []byte
	head  respHead
	lm    []byte // Last-Modified to send back (long-polling)
	etag  []byte // Etag to send back (long-polling)
	find  Finder
	chunk chunkedDecoder
	ws    wsDecoder
	hist  *Histogram
	check *Checker
	ready atomic.Bool
	last  int64 // unix ns of the last fresh delivery
	err   error

	mu      sync.Mutex // guards conn replacement against stop
	stopped bool
}

type bodyKind uint8

const (
	bodyNone bodyKind = iota
	bodyChunked
	bodyLength
	bodyUntilClose
	bodyWS
)

func newSubscriber(o *Options, r *run, id, ch int, check *Checker) *subscriber {
	s := &subscriber{o: o, r: r, ch: ch, host: o.hostFor(id), path: o.subPath(o.channel(ch)), check: check, hist: r.hists.Shard(id)}
	s.find.OnFind = s.onPayload
	return s
}

// dial connects and sends the subscribe request; the answer is read by loop.
func (s *subscriber) dial() error {
	c, err := net.DialTimeout("tcp", s.host, s.o.Timeout)
	if err != nil {
		return fmt.Errorf("subscribe %s: dial: %w", s.path, err)
	}
	s.conn = c
	if s.o.DelayedAck {
		setQuickAck(c, false)
	}
	s.buf = make([]byte, s.o.ReadBuf)
	if err := s.sendRequest(); err != nil {
		c.Close()
		return err
	}
	return nil
}

func (s *subscriber) sendRequest() error {
	r := append(s.req[:0], "GET "...)
	r = append(r, s.path...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, s.host...)
	r = append(r, "\r\n"...)
	switch s.o.Mode {
	case ModeWS:
		r = append(r, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+wsKey+"\r\nSec-WebSocket-Version: 13\r\n"...)
	case ModeSSE:
		r = append(r, "Accept: text/event-stream\r\n"...)
	case ModeStream:
		// Nchan's http-chunked subscriber asks for it; push-stream servers ignore it.
		r = append(r, "TE: chunked\r\n"...)
	case ModeLongPoll:
		if len(s.lm) > 0 {
			r = append(r, "If-Modified-Since: "...)
			r = append(r, s.lm...)
			r = append(r, "\r\n"...)
		}
		if len(s.etag) > 0 {
			r = append(r, "If-None-Match: "...)
			r = append(r, s.etag...)
			r = append(r, "\r\n"...)
		}
	}
	r = append(r, "\r\n"...)
	s.req = r
	if _, err := s.conn.Write(r); err != nil {
		return fmt.Errorf("subscribe %s: write request: %w", s.path, err)
	}
	return nil
}

func (s *subscriber) onPayload(pub, seq, sentNs int64) {
	if seq == 0 {
		if !s.ready.Load() {
			s.ready.Store(true)
			s.r.ready.Add(1)
		}
		return
	}
	now := time.Now().UnixNano()
	if s.check.Add(pub, seq) {
		s.hist.Record(now - sentNs)
		s.last = now
		s.r.delivered.Add(1)
	}
}

var errClosedByServer = errors.New("connection ended by the server")

// loop reads until the connection closes. Closing conn from outside is the
// normal way to stop it.
func (s *subscriber) loop() {
	err := s.read()
	s.mu.Lock()
	stopped := s.stopped
	s.conn.Close()
	s.mu.Unlock()
	if err != nil && !stopped {
		s.err = err
		s.r.errors.Add(1)
	}
}

// stop closes the connection, which ends loop.
func (s *subscriber) stop() {
	s.mu.Lock()
	s.stopped = true
	s.conn.Close()
	s.mu.Unlock()
}

func (s *subscriber) read() error {
	inHead := true
	kind := bodyNone
	var left int64
	off := 0
	for {
		n, rerr := s.conn.Read(s.buf[off:])
		if s.o.DelayedAck {
			setQuickAck(s.conn, false) // the kernel re-enters quick-ack mode on its own
		}
		data := s.buf[:off+n]
		off = 0
		for len(data) > 0 {
			if inHead {
				end := bytes.Index(data, crlfcrlf)
				if end < 0 {
					if len(data) == len(s.buf) {
						return fmt.Errorf("subscribe %s: %w", s.path, errHeadTooLarge)
					}
					off = copy(s.buf, data)
					break
				}
				if err := parseHead(data[:end+4], &s.head); err != nil {
					return fmt.Errorf("subscribe %s: %w", s.path, err)
				}
				data = data[end+4:]
				inHead = false
				var err error
				kind, left, err = s.startBody()
				if err != nil {
					return err
				}
				if kind == bodyNone || (kind == bodyLength && left == 0) {
					if err := s.next(); err != nil {
						return err
					}
					inHead = true
				}
				continue
			}
			switch kind {
			case bodyWS:
				if s.ws.feed(data, &s.find) {
					return nil
				}
				data = nil
			case bodyUntilClose:
				s.find.Feed(data)
				data = nil
			case bodyLength:
				k := int64(len(data))
				if k > left {
					k = left
				}
				s.find.Feed(data[:k])
				data, left = data[k:], left-k
				if left == 0 {
					if err := s.next(); err != nil {
						return err
					}
					inHead = true
				}
			case bodyChunked:
				k, done, err := s.chunk.feed(data, &s.find)
				if err != nil {
					return fmt.Errorf("subscribe %s: %w", s.path, err)
				}
				data = data[k:]
				if done {
					if err := s.next(); err != nil {
						return err
					}
					inHead = true
				}
			}
		}
		if rerr != nil {
			return rerr
		}
	}
}

// startBody checks the status and picks how to read the body.
func (s *subscriber) startBody() (bodyKind, int64, error) {
	h := &s.head
	switch s.o.Mode {
	case ModeWS:
		if h.status != 101 {
			return 0, 0, fmt.Errorf("subscribe %s: HTTP status %d, want 101", s.path, h.status)
		}
		return bodyWS, 0, nil
	case ModeLongPoll:
		if h.status != 200 && h.status != 304 {
			return 0, 0, fmt.Errorf("subscribe %s: HTTP status %d", s.path, h.status)
		}
		// Chain the next request from this answer.
		if len(h.lastModified) > 0 {
			s.lm = append(s.lm[:0], h.lastModified...)
		}
		if len(h.etag) > 0 {
			s.etag = append(s.etag[:0], h.etag...)
		}
	default:
		if h.status != 200 {
			return 0, 0, fmt.Errorf("subscribe %s: HTTP status %d", s.path, h.status)
		}
	}
	s.find.Reset()
	switch {
	case h.chunked:
		s.chunk.reset()
		return bodyChunked, 0, nil
	case h.contentLength >= 0:
		return bodyLength, h.contentLength, nil
	case h.status == 304:
		return bodyNone, 0, nil
	}
	return bodyUntilClose, 0, nil
}

// next starts the following long-polling request; other modes end.
func (s *subscriber) next() error {
	if s.o.Mode != ModeLongPoll {
		return fmt.Errorf("subscribe %s: %w", s.path, errClosedByServer)
	}
	if s.head.close {
		c, err := net.DialTimeout("tcp", s.host, s.o.Timeout)
		if err != nil {
			return fmt.Errorf("subscribe %s: redial: %w", s.path, err)
		}
		s.mu.Lock()
		s.conn.Close()
		s.conn = c
		if s.stopped {
			c.Close()
		}
		s.mu.Unlock()
	}
	return s.sendRequest()
}
