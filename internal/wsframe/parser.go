package wsframe

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// DefaultMaxMessage bounds a reassembled client message when Parser.MaxMessage
// is 0. Clients publish over the socket, and a 4 MiB message must work
// (publisher.md §2), so the bound is well above that; the memory budget
// still limits what can be stored.
const DefaultMaxMessage = 16 << 20

// Kind is what a parsed client frame (or message) means to the server.
type Kind uint8

// Event kinds. Close, ProtocolError and InvalidUTF8 are terminal: once
// returned, Next keeps returning the same kind.
const (
	// Text is a complete (reassembled) text message; publish it if allowed.
	Text Kind = iota + 1
	// Ping asks for an empty pong (PongFrame); the payload is not echoed.
	Ping
	// Pong is ignored.
	Pong
	// Close: reply CloseFrame0 and close the connection.
	Close
	// ProtocolError (binary or unknown opcode, bad fragment sequence,
	// oversized message, bad length): reply CloseFrame0 and close.
	ProtocolError
	// InvalidUTF8: drop the TCP connection without a frame.
	InvalidUTF8
)

func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Ping:
		return "ping"
	case Pong:
		return "pong"
	case Close:
		return "close"
	case ProtocolError:
		return "protocol-error"
	case InvalidUTF8:
		return "invalid-utf8"
	}
	return "unknown"
}

// Event is one parser result. Payload is unmasked and only valid until the
// next call to Feed or Next.
type Event struct {
	Kind    Kind
	Payload []byte
}

// Parser is an incremental client-frame parser: Feed it whatever bytes
// arrived (one at a time or many frames at once), then call Next until it
// reports false. It never blocks and never reads by itself. The zero value is
// ready to use.
type Parser struct {
	// MaxMessage bounds one message (all fragments together); 0 means
	// DefaultMaxMessage. A larger message is a ProtocolError.
	MaxMessage int

	buf        []byte // input not yet consumed, starting at off
	off        int
	msg        []byte // fragments of the message being reassembled
	fragmented bool
	done       Kind // terminal kind, sticky

	rd      bytes.Reader
	scratch [ws.MaxHeaderSize - 2]byte
}

// retainLimit: buffers above this size are dropped once empty, so an idle
// connection does not keep the memory of its largest message.
const retainLimit = 4096

// Feed appends received bytes. b is copied.
func (p *Parser) Feed(b []byte) {
	if p.done != 0 || len(b) == 0 {
		return
	}
	if p.off > 0 {
		n := copy(p.buf, p.buf[p.off:])
		p.buf = p.buf[:n]
		p.off = 0
	}
	p.buf = append(p.buf, b...)
}

// Buffered reports how many fed bytes are not consumed yet.
func (p *Parser) Buffered() int { return len(p.buf) - p.off }

func (p *Parser) maxMessage() int64 {
	if p.MaxMessage > 0 {
		return int64(p.MaxMessage)
	}
	return DefaultMaxMessage
}

func (p *Parser) fail(k Kind) (Event, bool) {
	p.done = k
	p.buf, p.off, p.msg = nil, 0, nil
	return Event{Kind: k}, true
}

// Next returns the next event, or false when more bytes are needed.
func (p *Parser) Next() (Event, bool) {
	for {
		if p.done != 0 {
			return Event{Kind: p.done}, true
		}
		data := p.buf[p.off:]
		if len(data) < 2 {
			p.compact()
			return Event{}, false
		}
		p.rd.Reset(data)
		h, err := ws.ReadHeaderBuffer(&p.rd, p.scratch[:])
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return Event{}, false
			}
			return p.fail(ProtocolError)
		}
		if k, bad := p.checkHeader(h); bad {
			return p.fail(k)
		}
		hs := int64(len(data) - p.rd.Len())
		if int64(len(data))-hs < h.Length {
			return Event{}, false
		}
		payload := data[hs : hs+h.Length]
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
		}
		p.off += int(hs + h.Length)

		switch h.OpCode {
		case ws.OpPing:
			if !utf8.Valid(payload) {
				return p.fail(InvalidUTF8)
			}
			return Event{Kind: Ping, Payload: payload}, true
		case ws.OpPong:
			if !utf8.Valid(payload) {
				return p.fail(InvalidUTF8)
			}
			return Event{Kind: Pong, Payload: payload}, true
		case ws.OpClose:
			// The whole payload, status code included, as the module checks
			// it (subscriber.md §8: any opcode).
			if !utf8.Valid(payload) {
				return p.fail(InvalidUTF8)
			}
			p.done = Close
			return Event{Kind: Close, Payload: payload}, true
		}

		// Text start or continuation (checkHeader refused everything else).
		if !p.fragmented && h.Fin {
			if !utf8.Valid(payload) {
				return p.fail(InvalidUTF8)
			}
			return Event{Kind: Text, Payload: payload}, true
		}
		p.msg = append(p.msg, payload...)
		p.fragmented = !h.Fin
		if p.fragmented {
			continue
		}
		if !utf8.Valid(p.msg) {
			return p.fail(InvalidUTF8)
		}
		out := p.msg
		p.msg = p.msg[:0]
		if cap(p.msg) > retainLimit {
			p.msg = nil
		}
		return Event{Kind: Text, Payload: out}, true
	}
}

// checkHeader applies the frame-sequence and size rules of §8 before the
// payload arrives, so an oversized or illegal frame is refused at once.
func (p *Parser) checkHeader(h ws.Header) (Kind, bool) {
	switch h.OpCode {
	case ws.OpPing, ws.OpPong, ws.OpClose:
		// Control frames may sit between fragments (RFC 6455 §5.4). Like the
		// module (subscriber.md §8: "ping → reply \x8A\x00"), neither FIN nor
		// RFC 6455's 125-byte cap is enforced; only the message size bound.
		if h.Length < 0 || h.Length > p.maxMessage() {
			return ProtocolError, true
		}
		return 0, false
	case ws.OpText:
		if p.fragmented {
			return ProtocolError, true // new data frame inside a fragmented message
		}
	case ws.OpContinuation:
		if !p.fragmented {
			return ProtocolError, true // continuation without a start
		}
	default:
		return ProtocolError, true // binary and reserved opcodes
	}
	if h.Length < 0 || int64(len(p.msg))+h.Length > p.maxMessage() {
		return ProtocolError, true
	}
	return 0, false
}

func (p *Parser) compact() {
	if p.off == 0 {
		return
	}
	n := copy(p.buf, p.buf[p.off:])
	p.buf = p.buf[:n]
	p.off = 0
	if n == 0 && cap(p.buf) > retainLimit {
		p.buf = nil
	}
}
