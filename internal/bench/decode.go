//go:build linux

package bench

import (
	"bytes"
	"errors"
	"fmt"
)

var (
	crlfcrlf = []byte("\r\n\r\n")

	errHeadTooLarge = errors.New("response head larger than the read buffer")
	errBadHead      = errors.New("malformed response head")
	errBadChunk     = errors.New("malformed chunked body")
)

// respHead holds what the tool needs from an HTTP response head. The byte
// slices keep their capacity between responses so parsing does not allocate.
type respHead struct {
	status        int
	contentLength int64 // -1 when absent
	chunked       bool
	close         bool
	lastModified  []byte
	etag          []byte
}

// parseHead parses a response head ending with CRLFCRLF (the terminator may
// be included or not).
func parseHead(b []byte, h *respHead) error {
	h.status, h.contentLength, h.chunked, h.close = 0, -1, false, false
	h.lastModified, h.etag = h.lastModified[:0], h.etag[:0]
	line, rest, _ := bytes.Cut(b, []byte("\r\n"))
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return fmt.Errorf("%w: status line %q", errBadHead, line)
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: status line %q", errBadHead, line)
		}
		h.status = h.status*10 + int(c-'0')
	}
	if line[7] == '0' {
		h.close = true // HTTP/1.0 unless keep-alive is announced
	}
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseDec(value)
			if !ok {
				return fmt.Errorf("%w: Content-Length %q", errBadHead, value)
			}
			h.contentLength = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			switch {
			case bytes.EqualFold(value, []byte("close")):
				h.close = true
			case bytes.EqualFold(value, []byte("keep-alive")):
				h.close = false
			}
		case bytes.EqualFold(name, []byte("Last-Modified")):
			h.lastModified = append(h.lastModified, value...)
		case bytes.EqualFold(name, []byte("Etag")):
			h.etag = append(h.etag, value...)
		}
	}
	return nil
}

// headReader gathers a response head that may arrive over several reads
// (the carry keeps its capacity, so it does not allocate once grown).
type headReader struct{ carry []byte }

// next parses the head at the start of data (with what earlier reads left)
// into h and returns the bytes after it. ok false: the head is incomplete
// and kept for the next read; a head of max bytes or more is an error.
func (r *headReader) next(data []byte, max int, h *respHead) (rest []byte, ok bool, err error) {
	if len(r.carry) > 0 {
		r.carry = append(r.carry, data...)
		data, r.carry = r.carry, r.carry[:0]
	}
	end := bytes.Index(data, crlfcrlf)
	if end < 0 {
		if len(data) >= max {
			return nil, false, errHeadTooLarge
		}
		r.carry = append(r.carry[:0], data...)
		return nil, false, nil
	}
	if err := parseHead(data[:end+4], h); err != nil {
		return nil, false, err
	}
	return data[end+4:], true, nil
}

// reset drops a partial head (a new request on the connection).
func (r *headReader) reset() { r.carry = r.carry[:0] }

func parseDec(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// chunkedDecoder de-frames a chunked body fed in arbitrary pieces.
type chunkedDecoder struct {
	state uint8
	size  int64
	ndig  int
}

const (
	cSize uint8 = iota
	cSizeExt
	cSizeLF
	cData
	cDataCR
	cDataLF
	cTrailer
	cTrailerLine
	cFinalLF
	cDone
)

func (d *chunkedDecoder) reset() { *d = chunkedDecoder{} }

// feed consumes bytes of p, passing chunk data to sink (may be nil). It
// returns how many bytes were consumed and whether the last chunk and the
// trailer were seen; bytes after the end are left unconsumed.
func (d *chunkedDecoder) feed(p []byte, sink *Finder) (int, bool, error) {
	i := 0
	for i < len(p) {
		c := p[i]
		switch d.state {
		case cSize:
			switch v := unhex(c); {
			case v >= 0 && d.ndig < 15:
				d.size = d.size<<4 | int64(v)
				d.ndig++
			case d.ndig > 0 && (c == ';' || c == ' ' || c == '\t'):
				d.state = cSizeExt
			case d.ndig > 0 && c == '\r':
				d.state = cSizeLF
			case d.ndig > 0 && c == '\n':
				d.endSize()
			default:
				return i, false, fmt.Errorf("%w: byte %q in chunk size", errBadChunk, c)
			}
		case cSizeExt:
			if c == '\n' {
				d.endSize()
			}
		case cSizeLF:
			if c != '\n' {
				return i, false, fmt.Errorf("%w: CR without LF after size", errBadChunk)
			}
			d.endSize()
		case cData:
			n := int64(len(p) - i)
			if n > d.size {
				n = d.size
			}
			if sink != nil {
				sink.Feed(p[i : i+int(n)])
			}
			d.size -= n
			i += int(n)
			if d.size == 0 {
				d.state = cDataCR
			}
			continue
		case cDataCR:
			switch c {
			case '\r':
				d.state = cDataLF
			case '\n':
				d.state, d.size, d.ndig = cSize, 0, 0
			default:
				return i, false, fmt.Errorf("%w: chunk data longer than its size", errBadChunk)
			}
		case cDataLF:
			if c != '\n' {
				return i, false, fmt.Errorf("%w: CR without LF after data", errBadChunk)
			}
			d.state, d.size, d.ndig = cSize, 0, 0
		case cTrailer:
			switch c {
			case '\r':
				d.state = cFinalLF
			case '\n':
				d.state = cDone
				return i + 1, true, nil
			default:
				d.state = cTrailerLine
			}
		case cTrailerLine:
			if c == '\n' {
				d.state = cTrailer
			}
		case cFinalLF:
			if c != '\n' {
				return i, false, fmt.Errorf("%w: bad final CRLF", errBadChunk)
			}
			d.state = cDone
			return i + 1, true, nil
		case cDone:
			return i, true, nil
		}
		i++
	}
	return i, d.state == cDone, nil
}

func (d *chunkedDecoder) endSize() {
	if d.size == 0 {
		d.state = cTrailer
		return
	}
	d.state = cData
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// wsDecoder de-frames server-to-client WebSocket frames fed in arbitrary
// pieces; data frame payloads (text, binary, continuation) go to the sink.
type wsDecoder struct {
	state  uint8
	op     byte
	masked bool
	need   int // header bytes still expected (extended length or mask)
	remain uint64
	mask   [4]byte
	mpos   int
}

const (
	wH0 uint8 = iota
	wH1
	wLen
	wMask
	wPayload
	wClosed
)

const (
	opClose = 0x8
	opPing  = 0x9
)

// feed consumes all of p. It reports closed once a close frame is complete.
func (d *wsDecoder) feed(p []byte, sink *Finder) (closed bool) {
	i := 0
	for i < len(p) {
		c := p[i]
		switch d.state {
		case wH0:
			d.op = c & 0x0f
			d.state = wH1
		case wH1:
			d.masked = c&0x80 != 0
			d.remain = uint64(c & 0x7f)
			switch d.remain {
			case 126:
				d.remain, d.need, d.state = 0, 2, wLen
			case 127:
				d.remain, d.need, d.state = 0, 8, wLen
			default:
				d.afterLen()
			}
		case wLen:
			d.remain = d.remain<<8 | uint64(c)
			d.need--
			if d.need == 0 {
				d.afterLen()
			}
		case wMask:
			d.mask[4-d.need] = c
			d.need--
			if d.need == 0 {
				d.mpos = 0
				d.afterMask()
			}
		case wPayload:
			n := uint64(len(p) - i)
			if n > d.remain {
				n = d.remain
			}
			seg := p[i : i+int(n)]
			if d.masked {
				for k := range seg {
					seg[k] ^= d.mask[d.mpos&3]
					d.mpos++
				}
			}
			if d.op < opClose && sink != nil {
				sink.Feed(seg)
			}
			d.remain -= n
			i += int(n)
			if d.remain == 0 {
				d.endFrame()
				if d.state == wClosed {
					return true
				}
			}
			continue
		case wClosed:
			return true
		}
		i++
	}
	return d.state == wClosed
}

func (d *wsDecoder) afterLen() {
	if d.masked {
		d.need, d.state = 4, wMask
		return
	}
	d.afterMask()
}

func (d *wsDecoder) afterMask() {
	if d.remain == 0 {
		d.endFrame()
		return
	}
	d.state = wPayload
}

func (d *wsDecoder) endFrame() {
	if d.op == opClose {
		d.state = wClosed
		return
	}
	d.state = wH0
}
