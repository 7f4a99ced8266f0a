package httpd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// readRequest reads one request from br like http.ReadRequest, whose
// result it reproduces field for field (checked by reqhead_test.go), at a
// fraction of the cost: the head is checked in place in br's buffer, then
// copied into two strings that every field slices.
//
// The only deliberate differences are in which error is returned: a head
// cut short by io.EOF always gives io.ErrUnexpectedEOF (net/http may
// report the syntax of the partial line instead), and a read error met
// inside a line is returned as it is (net/http parses the partial line
// first), so errHeaderTooLarge always reaches the caller.
func readRequest(br *bufio.Reader) (*http.Request, error) {
	var f headFrame
	head, inBuffer, err := f.read(br)
	if err != nil {
		return nil, err
	}
	req, err := f.build(head, br)
	if inBuffer {
		_, _ = br.Discard(len(head))
	}
	return req, err
}

// headFrame locates a request head and checks its lines as they arrive.
// Offsets count from the first byte of the head.
type headFrame struct {
	pos  int // start of the first line not yet checked
	seen int // b[pos:seen] has no '\n': a long line is searched once

	// The request line is [0:lineLen]: method [0:sp1], target
	// [sp1+1:sp2], version [sp2+1:lineLen].
	lineLen, sp1, sp2 int
	major, minor      int
	fields            int // start of the header fields, 0 until the request line is complete
	blank             int // start of the blank line that ends the head
	end               int // length of the head

	lines         int    // header fields (continuation lines not counted)
	recase        uint64 // bit i: the name of field i (<64) is not canonical
	folded        bool   // some field continues on the next line (obs-fold)
	targetChecked bool
}

// read returns the whole head. It is br's own buffer (inBuffer, to be
// discarded once parsed) unless the head is larger than the buffer.
func (f *headFrame) read(br *bufio.Reader) (head []byte, inBuffer bool, err error) {
	b, _ := br.Peek(br.Buffered())
	for {
		done, err := f.scan(b)
		if err != nil {
			return nil, false, err
		}
		if done {
			return b[:f.end], true, nil
		}
		// net/http parses each line as soon as it has it: a bad head must
		// fail now, not after the client sent (or gave up on) the rest.
		if err := f.checkTarget(b); err != nil {
			return nil, false, err
		}
		if len(b) >= br.Size() {
			return f.readLong(br, b)
		}
		n := len(b)
		if _, err := br.Peek(n + 1); err != nil { // waits for more input
			return nil, false, cutShort(err, n)
		}
		b, _ = br.Peek(br.Buffered())
	}
}

// readLong goes on reading a head that does not fit in br's buffer into a
// copy, one line at a time so that nothing after the head is consumed.
func (f *headFrame) readLong(br *bufio.Reader, b []byte) ([]byte, bool, error) {
	acc := append(make([]byte, 0, 2*len(b)), b...)
	_, _ = br.Discard(len(b))
	for {
		line, err := br.ReadSlice('\n')
		acc = append(acc, line...)
		if err != nil && err != bufio.ErrBufferFull {
			return nil, false, cutShort(err, len(acc))
		}
		done, err := f.scan(acc)
		if err != nil {
			return nil, false, err
		}
		if done {
			return acc, false, nil
		}
		if err := f.checkTarget(acc); err != nil {
			return nil, false, err
		}
	}
}

// cutShort is the error for a head that stopped after n bytes: io.EOF only
// when nothing came, as net/http reports it.
func cutShort(err error, n int) error {
	if err == io.EOF && n > 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}

// scan checks the complete lines of b from f.pos on and reports whether
// the head ends in b. Line ends are "\n" or "\r\n", as for net/http.
func (f *headFrame) scan(b []byte) (done bool, err error) {
	for {
		from := max(f.pos, f.seen)
		i := bytes.IndexByte(b[from:], '\n')
		if i < 0 {
			f.seen = len(b)
			if f.lines == 0 && f.fields > 0 && len(b)-f.pos > 80 && isOWS(b[f.pos]) {
				// net/http gives up on this line after 80 bytes.
				return false, errFoldedFirst
			}
			return false, nil
		}
		start, nl := f.pos, from+i
		line := b[start:nl]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		f.pos = nl + 1
		switch {
		case f.fields == 0:
			if err := f.requestLine(line); err != nil {
				return false, err
			}
			f.fields = f.pos
		case len(line) == 0:
			f.blank, f.end = start, f.pos
			return true, nil
		case isOWS(line[0]):
			if f.lines == 0 {
				return false, errFoldedFirst
			}
			if !validFieldValue(line) {
				return false, malformedField(line)
			}
			f.folded = true
		default:
			canonical, err := checkField(line)
			if err != nil {
				return false, err
			}
			if !canonical && f.lines < 64 {
				f.recase |= 1 << f.lines
			}
			f.lines++
		}
	}
}

// requestLine checks "METHOD target HTTP/x.y" as net/http does; the
// target itself is parsed later (parseTarget).
func (f *headFrame) requestLine(line []byte) error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return fmt.Errorf("malformed HTTP request %q", line)
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 < 0 {
		return fmt.Errorf("malformed HTTP request %q", line)
	}
	sp2 += sp1 + 1
	if sp1 == 0 || !allToken(line[:sp1]) {
		return fmt.Errorf("invalid method %q", line[:sp1])
	}
	var ok bool
	if f.major, f.minor, ok = parseVersion(line[sp2+1:]); !ok {
		return fmt.Errorf("malformed HTTP version %q", line[sp2+1:])
	}
	f.lineLen, f.sp1, f.sp2 = len(line), sp1, sp2
	return nil
}

// checkTarget parses the request target once the request line is in b,
// for a head still incomplete (a complete one is parsed by build).
func (f *headFrame) checkTarget(b []byte) error {
	if f.fields == 0 || f.targetChecked {
		return nil
	}
	f.targetChecked = true
	var u url.URL
	_, err := parseTarget(&u, string(b[:f.sp1]), string(b[f.sp1+1:f.sp2]))
	return err
}

// parseVersion is http.ParseHTTPVersion for bytes.
func parseVersion(v []byte) (major, minor int, ok bool) {
	if len(v) != len("HTTP/x.y") || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		!isDigit(v[5]) || !isDigit(v[7]) {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// checkField checks a "Name: value" line as textproto.ReadMIMEHeader does:
// the name is a token, where spaces are tolerated (the name is then kept
// as it is); the value holds no control byte but HTAB. canonical tells a
// name that textproto.CanonicalMIMEHeaderKey would leave as it is.
func checkField(line []byte) (canonical bool, err error) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return false, textproto.ProtocolError(fmt.Sprintf("malformed MIME header: missing colon: %q", line))
	}
	if colon == 0 || !validFieldValue(line[colon+1:]) {
		return false, malformedField(line)
	}
	// One pass for both questions: all bytes must have nameOK; a lower
	// case letter first or after '-', an upper case one elsewhere, or a
	// space, make the name non-canonical.
	all, bad := byte(nameOK), byte(0)
	forbid := byte(lowerByte | spaceByte)
	for _, c := range line[:colon] {
		k := nameClass[c]
		all &= k
		bad |= k & forbid
		forbid = upperByte | spaceByte
		if k&dashByte != 0 {
			forbid = lowerByte | spaceByte
		}
	}
	if all == 0 {
		return false, malformedField(line)
	}
	return bad == 0, nil
}

// Classes of field name bytes.
const (
	nameOK = 1 << iota // a token byte or a space
	lowerByte
	upperByte
	spaceByte
	dashByte
)

var nameClass = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c == ' ':
			t[c] = nameOK | spaceByte
		case !tokenByte[c]:
		case 'a' <= c && c <= 'z':
			t[c] = nameOK | lowerByte
		case 'A' <= c && c <= 'Z':
			t[c] = nameOK | upperByte
		case c == '-':
			t[c] = nameOK | dashByte
		default:
			t[c] = nameOK
		}
	}
	return t
}()

// errFoldedFirst: a continuation line with nothing to continue.
var errFoldedFirst = textproto.ProtocolError("malformed MIME header initial line")

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

func malformedField(line []byte) error {
	return textproto.ProtocolError(fmt.Sprintf("malformed MIME header line: %q", line))
}

// validFieldValue reports whether v holds no control byte but HTAB. It
// tests 8 bytes at a time (values such as cookies are long): a word with
// a byte below 0x20 or equal to 0x7f is looked at closely.
func validFieldValue(v []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(v) >= 8 {
		w := binary.LittleEndian.Uint64(v)
		del := w ^ ones*0x7f // zero bytes where w has 0x7f
		if ((w-ones*0x20)&^w|(del-ones)&^del)&highs != 0 && !validValueBytes(v[:8]) {
			return false
		}
		v = v[8:]
	}
	return validValueBytes(v)
}

func validValueBytes(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func allToken(b []byte) bool {
	for _, c := range b {
		if !tokenByte[c] {
			return false
		}
	}
	return true
}

// tokenByte holds the tchar of RFC 9110, section 5.6.2.
var tokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// fieldSlots is how many header values the request allocation holds; the
// values of more fields get a slice of their own.
const fieldSlots = 8

// reqBlock gathers what a request needs in one allocation.
type reqBlock struct {
	req  http.Request
	url  url.URL
	body reqBody
	vals [fieldSlots]string
}

// build turns a head checked by scan into a request reading its body
// from br.
func (f *headFrame) build(head []byte, br *bufio.Reader) (*http.Request, error) {
	blk := new(reqBlock)
	req := &blk.req
	// The request line gets its own string so that what is kept from the
	// URL (channel ids) does not keep the whole head alive.
	line := string(head[:f.lineLen])
	req.Method = line[:f.sp1]
	req.RequestURI = line[f.sp1+1 : f.sp2]
	req.Proto = line[f.sp2+1:]
	req.ProtoMajor, req.ProtoMinor = f.major, f.minor
	u, err := parseTarget(&blk.url, req.Method, req.RequestURI)
	if err != nil {
		return nil, err
	}
	req.URL = u

	h, seen, err := f.parseFields(blk, head[f.fields:f.blank])
	if err != nil {
		return nil, err
	}
	req.Header = h
	req.Host = u.Host
	if req.Host == "" {
		req.Host = seen.host
	}
	if seen.has&hasPragma != 0 { // net/http's HTTP/1.0 cache compatibility
		if pragma := h["Pragma"]; pragma[0] == "no-cache" {
			if _, ok := h["Cache-Control"]; !ok {
				h["Cache-Control"] = []string{"no-cache"}
			}
		}
	}
	var conn []string
	if seen.has&hasConnection != 0 {
		conn = h["Connection"]
	}
	req.Close = shouldClose(f.major, f.minor, conn)
	if seen.has&(hasTransferEncoding|hasContentLength) != 0 {
		if err := f.transfer(blk, br, seen.has); err != nil {
			return nil, err
		}
	} else {
		req.Body = http.NoBody
	}
	if req.Method == "PRI" && len(h) == 0 && seen.hosts == 0 && u.Path == "*" && req.Proto == "HTTP/2.0" {
		// net/http's h2c prior-knowledge preface: no body length, and the
		// connection must not serve another request.
		req.ContentLength, req.Close = -1, true
	}
	return req, nil
}

// fieldsSeen tells build about the fields that net/http treats apart.
type fieldsSeen struct {
	host  string // the first Host field, which is kept out of the map
	hosts int
	has   uint8 // hasPragma...
}

const (
	hasPragma = 1 << iota
	hasConnection
	hasTransferEncoding
	hasContentLength
)

// parseFields parses the header fields (fb, without the blank line) into a
// map whose keys and values slice one string. The value slices of the
// first fieldSlots keys are in blk.vals.
func (f *headFrame) parseFields(blk *reqBlock, fb []byte) (http.Header, fieldsSeen, error) {
	var seen fieldsSeen
	h := make(http.Header, f.lines)
	if len(fb) == 0 {
		return h, seen, nil
	}
	vals := blk.vals[:]
	s := string(fb)
	for i, keys := 0, 0; len(s) > 0; i++ {
		var line string
		line, s = cutLine(s)
		colon := strings.IndexByte(line, ':')
		key := line[:colon]
		if i >= 64 || f.recase&(1<<i) != 0 {
			key = canonicalKey(key)
		}
		var value string
		if f.folded && len(s) > 0 && isOWS(s[0]) {
			value, s = unfold(line[colon+1:], s)
		} else {
			value = trimOWS(line[colon+1:])
		}
		switch key {
		case "Host":
			if seen.hosts == 0 {
				seen.host = value
			}
			seen.hosts++
			continue
		case "Pragma":
			seen.has |= hasPragma
		case "Connection":
			seen.has |= hasConnection
		case "Transfer-Encoding":
			seen.has |= hasTransferEncoding
		case "Content-Length":
			seen.has |= hasContentLength
		}
		if vv := h[key]; vv != nil {
			h[key] = append(vv, value)
			continue
		}
		if len(vals) == 0 {
			vals = make([]string, f.lines-keys)
		}
		vals[0] = value
		h[key], vals = vals[:1:1], vals[1:]
		keys++
	}
	if seen.hosts > 1 {
		return nil, seen, errors.New("too many Host headers")
	}
	return h, seen, nil
}

// cutLine splits the first line, without its "\n" or "\r\n", off s.
func cutLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	line, rest = s[:i], s[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// unfold joins a value continued on the lines that start s, the way
// textproto does: each line is trimmed and appended after one space.
func unfold(first, s string) (value, rest string) {
	b := []byte(trimRightOWS(first))
	for len(s) > 0 && isOWS(s[0]) {
		var line string
		line, s = cutLine(s)
		b = append(b, ' ')
		b = append(b, trimOWS(line)...)
	}
	return strings.TrimLeft(string(b), " \t"), s
}

func trimOWS(s string) string {
	for len(s) > 0 && isOWS(s[0]) {
		s = s[1:]
	}
	return trimRightOWS(s)
}

func trimRightOWS(s string) string {
	for len(s) > 0 && isOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey for a checked field
// name, without allocating when the name is already canonical (the usual
// case) or a common one.
func canonicalKey(k string) string {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c == ' ' {
			return k // kept as sent, like net/http (go.dev/issue/34540)
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return recase(k)
		}
		upper = c == '-'
	}
	return k
}

func recase(k string) string {
	if strings.IndexByte(k, ' ') >= 0 {
		return k
	}
	var arr [64]byte
	b := arr[:0]
	if len(k) > len(arr) {
		b = make([]byte, 0, len(k))
	}
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
		upper = c == '-'
	}
	if s, ok := commonKeys[string(b)]; ok {
		return s
	}
	return string(b)
}

// commonKeys interns the canonical names of fields often sent in another
// case: lower case by some clients, "WebSocket" or "DNT" by browsers.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language",
		"Authorization", "Cache-Control", "Connection", "Content-Length",
		"Content-Type", "Cookie", "Dnt", "Etag", "Event-Id", "Event-Type",
		"Expect", "Host", "If-Modified-Since", "If-None-Match",
		"Last-Event-Id", "Origin", "Pragma", "Referer",
		"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
		"Sec-Websocket-Extensions", "Sec-Websocket-Key",
		"Sec-Websocket-Protocol", "Sec-Websocket-Version",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"Upgrade-Insecure-Requests", "User-Agent", "X-Forwarded-For",
		"X-Forwarded-Host", "X-Forwarded-Proto", "X-Nginx-Pushstream-Mode",
		"X-Real-Ip", "X-Requested-With",
	} {
		m[k] = k
	}
	return m
}()

// parseTarget is the URL net/http makes of a request target. The usual
// origin form, a path needing no escaping, fills dst; anything else goes
// through url.ParseRequestURI.
func parseTarget(dst *url.URL, method, target string) (*url.URL, error) {
	if method == "CONNECT" && !strings.HasPrefix(target, "/") {
		// An authority ("host:port"), which net/http parses as a URL.
		u, err := url.ParseRequestURI("http://" + target)
		if err != nil {
			return nil, err
		}
		u.Scheme = ""
		return u, nil
	}
	if target == "" || target[0] != '/' {
		return url.ParseRequestURI(target)
	}
	path, query, force := target, "", false
	if i := strings.IndexByte(target, '?'); i >= 0 {
		path, query = target[:i], target[i+1:]
		force = query == "" // net/url: a lone trailing '?'
	}
	for i := 0; i < len(path); i++ {
		if !plainPathByte[path[i]] {
			return url.ParseRequestURI(target)
		}
	}
	for i := 0; i < len(query); i++ {
		if c := query[i]; c < ' ' || c == 0x7f {
			return url.ParseRequestURI(target) // the error for a control byte
		}
	}
	dst.Path, dst.RawQuery, dst.ForceQuery = path, query, force
	return dst, nil
}

// plainPathByte tells the bytes that net/url leaves as they are in a path
// (no unescaping, no URL.RawPath). Derived from net/url itself.
var plainPathByte = func() (t [256]bool) {
	for c := range 256 {
		p := string([]byte{'/', byte(c)})
		t[c] = c != '%' && (&url.URL{Path: p}).EscapedPath() == p
	}
	return t
}()

// shouldClose is net/http's rule: HTTP/0.x, "Connection: close", or
// HTTP/1.0 without "Connection: keep-alive".
func shouldClose(major, minor int, conn []string) bool {
	if major < 1 {
		return true
	}
	hasClose := containsToken(conn, "close")
	if major == 1 && minor == 0 {
		return hasClose || !containsToken(conn, "keep-alive")
	}
	return hasClose
}

// containsToken reports whether a comma-separated element of values is
// token, ASCII case-insensitively.
func containsToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			if asciiEqualFold(trimOWS(elem), token) {
				return true
			}
		}
	}
	return false
}

// asciiEqualFold is strings.EqualFold without Unicode folding ("K", the
// Kelvin sign, does not match "k").
func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) != lowerASCII(t[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// transfer applies net/http's body framing rules (RFC 9112, section 6):
// Transfer-Encoding, Content-Length, Trailer, and sets the body.
func (f *headFrame) transfer(blk *reqBlock, br *bufio.Reader, has uint8) error {
	req, h := &blk.req, blk.req.Header
	chunked := false
	if has&hasTransferEncoding != 0 {
		te := h["Transfer-Encoding"]
		delete(h, "Transfer-Encoding")
		// Ignored before HTTP/1.1; net/http takes HTTP/0.0 for 1.1 here.
		if f.major > 1 || f.major == 1 && f.minor >= 1 || f.major == 0 && f.minor == 0 {
			// Only one "chunked", as nginx and net/http: anything else
			// invites request smuggling.
			if len(te) != 1 {
				return fmt.Errorf("too many transfer encodings: %q", te)
			}
			if !asciiEqualFold(te[0], "chunked") {
				return fmt.Errorf("unsupported transfer encoding: %q", te[0])
			}
			chunked = true
		}
	}
	var n int64
	var err error
	if has&hasContentLength != 0 {
		if n, err = contentLength(h); err != nil {
			return err
		}
	}
	if chunked {
		delete(h, "Content-Length") // Transfer-Encoding wins
		n = -1
		if req.Trailer, err = declaredTrailer(h); err != nil {
			return err
		}
	}
	req.ContentLength = n
	switch {
	case chunked:
		req.TransferEncoding = []string{"chunked"}
		blk.body.init(br, req, -1)
		req.Body = &blk.body
	case n == 0:
		req.Body = http.NoBody
	default:
		blk.body.init(br, req, n)
		req.Body = &blk.body
	}
	return nil
}

// contentLength checks the Content-Length fields: repeated ones must agree
// (then only one is kept), the value is a decimal below 2^63. No field
// means no body for a request.
func contentLength(h http.Header) (int64, error) {
	cl := h["Content-Length"]
	if len(cl) == 0 {
		return 0, nil
	}
	first := textproto.TrimString(cl[0])
	if len(cl) > 1 {
		for _, v := range cl[1:] {
			if textproto.TrimString(v) != first {
				return 0, fmt.Errorf("http: message cannot contain multiple Content-Length headers; got %q", cl)
			}
		}
		h["Content-Length"] = []string{first}
	}
	if first == "" {
		return 0, errors.New("invalid empty Content-Length")
	}
	n, err := strconv.ParseUint(first, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("bad Content-Length %q", first)
	}
	return int64(n), nil
}

// declaredTrailer turns the Trailer field of a chunked request into the
// announced Request.Trailer keys, as net/http does.
func declaredTrailer(h http.Header) (http.Header, error) {
	vv, ok := h["Trailer"]
	if !ok {
		return nil, nil
	}
	delete(h, "Trailer")
	var trailer http.Header
	for _, v := range vv {
		for _, k := range strings.Split(v, ",") {
			if k = textproto.TrimString(k); k == "" {
				continue
			}
			switch k = textproto.CanonicalMIMEHeaderKey(k); k {
			case "Transfer-Encoding", "Trailer", "Content-Length":
				return nil, fmt.Errorf("bad trailer key %q", k)
			}
			if trailer == nil {
				trailer = http.Header{}
			}
			trailer[k] = nil
		}
	}
	return trailer, nil
}

// Errors of a chunked body's trailer, worded as net/http's.
var (
	errTrailerEOF  = errors.New("http: unexpected EOF reading trailer")
	errLongTrailer = errors.New("http: suspiciously long trailer after chunked body")
)

// reqBody is a request body with net/http's behavior: io.EOF comes with
// the last bytes of a Content-Length body, a body cut short gives
// io.ErrUnexpectedEOF, the trailer of a chunked body is read into
// Request.Trailer at its end, Close reads what is left unless the
// connection is closing anyway, and reads after Close fail.
type reqBody struct {
	mu      sync.Mutex
	br      *bufio.Reader
	chunked io.Reader     // the chunk decoder, nil for a Content-Length body
	remain  int64         // bytes left of a Content-Length body
	req     *http.Request // set while a chunked body's trailer is unread
	closing bool          // the connection closes after this request
	sawEOF  bool
	closed  bool
}

// init prepares b to read n bytes, or chunks when n < 0.
func (b *reqBody) init(br *bufio.Reader, req *http.Request, n int64) {
	b.br, b.closing = br, req.Close
	if n < 0 {
		b.chunked, b.req = httputil.NewChunkedReader(br), req
	} else {
		b.remain = n
	}
}

func (b *reqBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.readLocked(p)
}

func (b *reqBody) readLocked(p []byte) (int, error) {
	if b.sawEOF {
		return 0, io.EOF
	}
	if b.chunked != nil {
		n, err := b.chunked.Read(p)
		if err == io.EOF {
			b.sawEOF = true
			if b.req != nil {
				if terr := b.readTrailer(); terr != nil {
					// Nothing more may be read from this connection.
					err, b.sawEOF, b.closed = terr, false, true
				}
				b.req = nil
			}
		}
		return n, err
	}
	if b.remain <= 0 {
		b.sawEOF = true
		return 0, io.EOF
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.br.Read(p)
	b.remain -= int64(n)
	switch {
	case err == io.EOF:
		b.sawEOF = true
		if b.remain > 0 {
			err = io.ErrUnexpectedEOF
		}
	case err == nil && n > 0 && b.remain == 0:
		err, b.sawEOF = io.EOF, true
	}
	return n, err
}

// consumed reports whether the body was read to its end.
func (b *reqBody) consumed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sawEOF || (b.chunked == nil && b.remain <= 0)
}

func (b *reqBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	var err error
	if !b.sawEOF && (b.req != nil || !b.closing) {
		// Read to the end (and the trailer) so the connection can go on.
		_, err = io.Copy(io.Discard, lockedBody{b})
	}
	b.closed = true
	return err
}

// lockedBody reads a reqBody whose mutex is held.
type lockedBody struct{ b *reqBody }

func (l lockedBody) Read(p []byte) (int, error) {
	if l.b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return l.b.readLocked(p)
}

// readTrailer reads the trailer section after the last chunk: usually just
// CRLF. A real trailer must end within br's buffer, as in net/http.
func (b *reqBody) readTrailer() error {
	buf, err := b.br.Peek(2)
	if bytes.Equal(buf, []byte("\r\n")) {
		_, _ = b.br.Discard(2)
		return nil
	}
	if len(buf) < 2 {
		return errTrailerEOF
	}
	if err != nil {
		return err
	}
	if !trailerEndBuffered(b.br) {
		return errLongTrailer
	}
	hdr, err := textproto.NewReader(b.br).ReadMIMEHeader()
	if err != nil {
		if err == io.EOF {
			return errTrailerEOF
		}
		return err
	}
	if b.req.Trailer == nil {
		b.req.Trailer = http.Header(hdr)
	} else {
		maps.Copy(b.req.Trailer, http.Header(hdr))
	}
	return nil
}

// trailerEndBuffered reports whether "\r\n\r\n" comes within br's buffer.
func trailerEndBuffered(br *bufio.Reader) bool {
	for {
		b, _ := br.Peek(br.Buffered())
		if bytes.Contains(b, []byte("\r\n\r\n")) {
			return true
		}
		if len(b) >= br.Size() {
			return false
		}
		if _, err := br.Peek(len(b) + 1); err != nil {
			return false
		}
	}
}
