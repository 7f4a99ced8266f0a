//go:build linux

package bench

import (
	"errors"
	"fmt"
	"sync/atomic"
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

// subscriber is one subscription: its socket and the state of the response
// being parsed. Once its fleet's event loop runs, only that loop touches it
// (except ready, which the coordinator reads).
type subscriber struct {
	o     *Options
	host  string // the node this subscriber talks to
	r     *run
	ch    int
	path  string
	fd    int     // raw non-blocking socket, -1 when closed
	loop  *evloop // the loop reading fd
	slot  int32   // index in loop.subs, the epoll event data
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
	now   int64 // unix ns of the read being parsed
	last  int64 // unix ns of the last fresh delivery
	err   error

	// Parse state carried from one read to the next.
	inHead bool
	kind   bodyKind
	left   int64 // bodyLength: bytes still expected
	heads  headReader
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
	s := &subscriber{o: o, r: r, ch: ch, fd: -1, host: o.hostFor(id), path: o.subPath(o.channel(ch)), check: check, hist: r.hists.Shard(id)}
	s.find.OnFind = s.onPayload
	return s
}

// request builds the subscribe request; long-polling chains the Etag and
// Last-Modified of the previous answer.
func (s *subscriber) request() []byte {
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
	return r
}

// dial connects, sends the subscribe request and keeps the raw socket for
// the event loop; the answer is read there.
func (s *subscriber) dial() error {
	fd, err := dialRaw(s.host, s.request(), s.o.Timeout)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", s.path, err)
	}
	s.fd, s.inHead = fd, true
	if s.o.DelayedAck {
		setQuickAck(fd, false)
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
	if s.check.Add(pub, seq) {
		s.hist.Record(s.now - sentNs)
		s.last = s.now
		s.r.delivered.Add(1)
	}
}

var errClosedByServer = errors.New("connection ended by the server")

// consume parses bytes just read. It reports done when the server ended the
// subscription cleanly (a WebSocket close frame); an error ends it too.
func (s *subscriber) consume(data []byte) (done bool, err error) {
	for len(data) > 0 {
		if s.inHead {
			rest, ok, err := s.heads.next(data, s.o.ReadBuf, &s.head)
			if err != nil {
				return false, fmt.Errorf("subscribe %s: %w", s.path, err)
			}
			if !ok {
				return false, nil
			}
			data = rest
			s.inHead = false
			if s.kind, s.left, err = s.startBody(); err != nil {
				return false, err
			}
			if s.kind == bodyNone || (s.kind == bodyLength && s.left == 0) {
				if err := s.next(); err != nil {
					return false, err
				}
				// A reconnect leaves nothing of the old socket to parse.
				if s.head.close {
					return false, nil
				}
			}
			continue
		}
		switch s.kind {
		case bodyWS:
			if s.ws.feed(data, &s.find) {
				return true, nil
			}
			data = nil
		case bodyUntilClose:
			s.find.Feed(data)
			data = nil
		case bodyLength:
			k := min(int64(len(data)), s.left)
			s.find.Feed(data[:k])
			data, s.left = data[k:], s.left-k
			if s.left == 0 {
				if err := s.next(); err != nil {
					return false, err
				}
				if s.head.close {
					return false, nil
				}
			}
		case bodyChunked:
			k, end, err := s.chunk.feed(data, &s.find)
			if err != nil {
				return false, fmt.Errorf("subscribe %s: %w", s.path, err)
			}
			data = data[k:]
			if end {
				if err := s.next(); err != nil {
					return false, err
				}
				if s.head.close {
					return false, nil
				}
			}
		}
	}
	return false, nil
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

// next starts the following long-polling request, on a new connection when
// the server asked to close this one; other modes end.
func (s *subscriber) next() error {
	if s.o.Mode != ModeLongPoll {
		return fmt.Errorf("subscribe %s: %w", s.path, errClosedByServer)
	}
	s.inHead = true
	if s.head.close {
		return s.redial()
	}
	if err := writeRaw(s.fd, s.request()); err != nil {
		return fmt.Errorf("subscribe %s: write request: %w", s.path, err)
	}
	return nil
}
