package httpd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// rhResult is what a request parser made of one input.
type rhResult struct {
	req     *http.Request
	err     error
	trailer http.Header // Request.Trailer before the body was read
	body    []byte
	bodyErr error
	rest    []byte // what the reader still held after the body
	// closeFirst: the body was closed after one byte; the errors of Close
	// and of a later Read.
	closeFirst               bool
	closeErr, readAfterClose error
}

type rhParser func(*bufio.Reader) (*http.Request, error)

// rhParse runs read on in. size is the bufio size; oneByte delivers the
// input a byte at a time; closeFirst reads one body byte then closes the
// body instead of reading it all.
func rhParse(read rhParser, in string, size int, oneByte, closeFirst bool) (p rhResult) {
	var r io.Reader = strings.NewReader(in)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	br := bufio.NewReaderSize(r, size)
	p.req, p.err = read(br)
	if p.err != nil {
		return p
	}
	p.trailer = p.req.Trailer.Clone()
	p.closeFirst = closeFirst
	if closeFirst {
		var one [1]byte
		n, err := p.req.Body.Read(one[:])
		p.body, p.bodyErr = one[:n], err
		p.closeErr = p.req.Body.Close()
		_, p.readAfterClose = p.req.Body.Read(one[:])
	} else {
		p.body, p.bodyErr = io.ReadAll(p.req.Body)
	}
	if p.bodyError() == "" { // else the connection is done for
		p.rest, _ = io.ReadAll(br)
	}
	return p
}

func rhErrString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// bodyError is the first error met reading the body, closing it in
// closeFirst mode. When a chunk decoder notices a malformed body (or its
// end) depends on what the bufio.Reader holds, which differs between the
// parsers: the error may come with the first byte or only at Close.
func (p *rhResult) bodyError() string {
	if p.closeFirst && (p.bodyErr == nil || p.bodyErr == io.EOF) {
		return rhErrString(p.closeErr)
	}
	return rhErrString(p.bodyErr)
}

// rhDiff compares what net/http (a) and readRequest (b) made of one input.
func rhDiff(a, b rhResult) string {
	switch {
	case (a.err == nil) != (b.err == nil):
		return fmt.Sprintf("error: net/http %v, ours %v", a.err, b.err)
	case b.err == io.EOF && a.err != io.EOF:
		return fmt.Sprintf("io.EOF: net/http %v, ours %v", a.err, b.err)
	case a.err == io.EOF && b.err != io.EOF && b.err != io.ErrUnexpectedEOF:
		// net/http also gives io.EOF for a request line cut at a multiple
		// of the buffer size.
		return fmt.Sprintf("io.EOF: net/http %v, ours %v", a.err, b.err)
	case errors.Is(a.err, io.ErrUnexpectedEOF) && !errors.Is(b.err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("io.ErrUnexpectedEOF: net/http %v, ours %v", a.err, b.err)
	case a.err != nil:
		return ""
	}
	ra, rb := a.req, b.req
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"Method", ra.Method, rb.Method},
		{"RequestURI", ra.RequestURI, rb.RequestURI},
		{"Proto", ra.Proto, rb.Proto},
		{"ProtoMajor", ra.ProtoMajor, rb.ProtoMajor},
		{"ProtoMinor", ra.ProtoMinor, rb.ProtoMinor},
		{"URL", ra.URL, rb.URL},
		{"Header", ra.Header, rb.Header},
		{"Host", ra.Host, rb.Host},
		{"ContentLength", ra.ContentLength, rb.ContentLength},
		{"TransferEncoding", ra.TransferEncoding, rb.TransferEncoding},
		{"Close", ra.Close, rb.Close},
		{"NoBody", ra.Body == http.NoBody, rb.Body == http.NoBody},
		{"Trailer", a.trailer, b.trailer},
		{"Form", ra.Form, rb.Form},
		{"PostForm", ra.PostForm, rb.PostForm},
		{"MultipartForm", ra.MultipartForm, rb.MultipartForm},
		{"GetBody", ra.GetBody == nil, rb.GetBody == nil},
		{"RemoteAddr", ra.RemoteAddr, rb.RemoteAddr},
		{"TLS", ra.TLS, rb.TLS},
		{"Response", ra.Response, rb.Response},
		{"Pattern", ra.Pattern, rb.Pattern},
		{"Context", ra.Context() == context.Background(), rb.Context() == context.Background()},
		{"body", a.body, b.body},
		{"body error", a.bodyError(), b.bodyError()},
		{"Trailer after body", ra.Trailer, rb.Trailer},
		{"Read after Close", rhErrString(a.readAfterClose), rhErrString(b.readAfterClose)},
		{"rest", a.rest, b.rest},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			return fmt.Sprintf("%s: net/http %#v, ours %#v", f.name, f.a, f.b)
		}
	}
	if (ra.Body == nil) != (rb.Body == nil) {
		return "Body nil"
	}
	return ""
}

// errRHWouldBlock stops a parse that wants more input than the client sent.
var errRHWouldBlock = errors.New("would block")

type rhBlockingReader struct{ s string }

func (r *rhBlockingReader) Read(p []byte) (int, error) {
	if r.s == "" {
		panic(errRHWouldBlock)
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

// rhOutcome parses in from a client that then waits for the answer:
// "ok", "error", or "waits" (the parser asked for more input).
func rhOutcome(read rhParser, in string, size int) (o string) {
	defer func() {
		if p := recover(); p != nil {
			if p != errRHWouldBlock {
				panic(p)
			}
			o = "waits"
		}
	}()
	if _, err := read(bufio.NewReaderSize(&rhBlockingReader{in}, size)); err != nil {
		return "error"
	}
	return "ok"
}

// rhCheck compares readRequest with http.ReadRequest on in, with a large
// and a tiny buffer, whole and byte by byte, reading or closing the body;
// and checks that readRequest never waits for input where net/http
// answers.
func rhCheck(t *testing.T, in string) {
	t.Helper()
	for _, size := range []int{4096, 16} {
		for _, oneByte := range []bool{false, true} {
			for _, closeFirst := range []bool{false, true} {
				a := rhParse(http.ReadRequest, in, size, oneByte, closeFirst)
				b := rhParse(readRequest, in, size, oneByte, closeFirst)
				if d := rhDiff(a, b); d != "" {
					t.Fatalf("%q (buffer %d, one byte reads %v, close %v): %s", in, size, oneByte, closeFirst, d)
				}
			}
		}
		a, b := rhOutcome(http.ReadRequest, in, size), rhOutcome(readRequest, in, size)
		if a != b && !(a == "waits" && b == "error") {
			t.Fatalf("%q (buffer %d) from a waiting client: net/http %s, ours %s", in, size, a, b)
		}
	}
}

const (
	rhPublish = "POST /pub?id=ch1 HTTP/1.1\r\nHost: 127.0.0.1:9080\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
	rhBrowser = "GET /sub/ch1?_=1712345678901 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:9080\r\n" +
		"Connection: keep-alive\r\n" +
		"sec-ch-ua: \"Chromium\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
		"sec-ch-ua-mobile: ?0\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
		"sec-ch-ua-platform: \"Linux\"\r\n" +
		"Accept: */*\r\n" +
		"Sec-Fetch-Site: same-origin\r\n" +
		"Sec-Fetch-Mode: cors\r\n" +
		"Sec-Fetch-Dest: empty\r\n" +
		"Referer: http://127.0.0.1:9080/\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\n" +
		"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n"
)

var rhBody100 = strings.Repeat("0123456789", 10)

// rhRequests are valid and invalid requests, several followed by another.
var rhRequests = []string{
	// Request lines.
	"", "\r\n", "\n", "\r\n\r\n", "GET", "GET /", "GET / HTTP/1.1",
	"GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: x", "GET / HTTP/1.1\r\nHost: x\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n\r", "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.1\n\n", "GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\r\nHost: x\n\r\n",
	"get / HTTP/1.1\r\n\r\n", "M-SEARCH * HTTP/1.1\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n",
	" GET / HTTP/1.1\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
	"GET / \r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.2\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
	"GET / HTTP/0.9\r\n\r\n", "GET / HTTP/0.0\r\n\r\n", "GET / HTTP/1.1x\r\n\r\n",
	"GET / http/1.1\r\n\r\n", "GET / HTTP/a.1\r\n\r\n", "GET / HTTP/1.1\r\r\n\r\n",
	"GET / HTTP/11.1\r\n\r\n", "GET / HTTP/1.\r\n\r\n", "\x00GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
	// Targets.
	"GET /a%20b HTTP/1.1\r\n\r\n", "GET /a%2Fb HTTP/1.1\r\n\r\n", "GET /a%2fb HTTP/1.1\r\n\r\n",
	"GET /a%zz HTTP/1.1\r\n\r\n", "GET /a% HTTP/1.1\r\n\r\n", "GET /a?b=%zz HTTP/1.1\r\n\r\n",
	"GET /a#frag HTTP/1.1\r\n\r\n", "GET /é HTTP/1.1\r\n\r\n", "GET //x/y HTTP/1.1\r\n\r\n",
	"GET /a? HTTP/1.1\r\n\r\n", "GET /a?? HTTP/1.1\r\n\r\n", "GET /a?b? HTTP/1.1\r\n\r\n",
	"GET /? HTTP/1.1\r\n\r\n", "GET /a\x7f HTTP/1.1\r\n\r\n", "GET /a?\x01 HTTP/1.1\r\n\r\n",
	"GET x HTTP/1.1\r\n\r\n", "GET  HTTP/1.1\r\n\r\n", "GET http:/x HTTP/1.1\r\n\r\n",
	"GET mailto:x HTTP/1.1\r\n\r\n", "GET HTTP://EXAMPLE.com/A?b HTTP/1.1\r\nHost: other\r\n\r\n",
	"GET http://user:pw@h:80/p?q HTTP/1.1\r\n\r\n", "GET https://[::1]:443/ HTTP/1.1\r\n\r\n",
	"GET http://[::1 HTTP/1.1\r\n\r\n", "GET http://h HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"GET :x HTTP/1.1\r\n\r\n", "GET /a;b,c=d@e:f$g&h+i!j HTTP/1.1\r\n\r\n",
	"GET /a[b]{c}|d^e`f\\g\"h<i>j HTTP/1.1\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	"CONNECT /rpc HTTP/1.0\r\n\r\n", "CONNECT [::1 HTTP/1.1\r\n\r\n", "CONNECT * HTTP/1.1\r\n\r\n",
	"GET /%zz HTTP/1.1\r\nHost: x\r\n",
	// Header fields.
	"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost :x\r\n\r\n", "GET / HTTP/1.1\r\nHost: \r\n\r\n",
	"GET / HTTP/1.1\r\nX-Foo: a\r\nx-foo: b\r\nX-FOO:c\r\n\r\n",
	"GET / HTTP/1.1\r\nX: a\r\n  b\r\n\tc\r\n\r\n", "GET / HTTP/1.1\r\nX:\r\n b\r\n\r\n",
	"GET / HTTP/1.1\r\nX: a\r\n \r\n\r\n", "GET / HTTP/1.1\r\nX: a \r\n  b \r\nY: c\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", "GET / HTTP/1.1\r\n X: a\r\n\r\n",
	"GET / HTTP/1.1\r\n\tX: a\r\n\r\n", "GET / HTTP/1.1\r\n ", "GET / HTTP/1.1\r\nX: a\r\n b\x01\r\n\r\n",
	"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\n: v\r\n\r\n", "GET / HTTP/1.1\r\nX\x01: v\r\n\r\n",
	"GET / HTTP/1.1\r\nX(: v\r\n\r\n", "GET / HTTP/1.1\r\nX Y: v\r\n\r\n", "GET / HTTP/1.1\r\nx y: v\r\n\r\n",
	"GET / HTTP/1.1\r\nX\t: v\r\n\r\n", "GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
	"GET / HTTP/1.1\r\nX: é\r\n\r\n", "GET / HTTP/1.1\r\nX: a\tb\r\n\r\n", "GET / HTTP/1.1\r\nX: a  \t\r\n\r\n",
	"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", "GET / HTTP/1.1\r\nX: a\r\r\n\r\n", "GET / HTTP/1.1\r\n\rX: a\r\n\r\n",
	"GET / HTTP/1.1\r\nX::a\r\n\r\n", "GET / HTTP/1.1\r\nX:\r\n\r\n", "GET / HTTP/1.1\r\nx-Y-z: 1\r\n\r\n",
	"GET / HTTP/1.1\r\ndnt: 1\r\nSec-WebSocket-Key: k\r\nETag: e\r\nCONTENT-TYPE: t\r\n\r\n",
	"GET / HTTP/1.1\r\n" + strings.Repeat("a", 70) + ": long\r\n\r\n",
	"GET / HTTP/1.1\r\n1-2-3: digits\r\n-x: dash\r\n\r\n",
	"GET / HTTP/1.1\r\nPragma: no-cache\r\n\r\n", "GET / HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: max-age=1\r\n\r\n",
	"GET / HTTP/1.1\r\nPragma: No-Cache\r\n\r\n", "GET / HTTP/1.1\r\nPragma: x\r\nPragma: no-cache\r\n\r\n",
	"GET / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
	"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x85\xbd\xd0",
	// Connection.
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n",
	"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "GET / HTTP/1.1\r\nConnection: Upgrade , CLOSE\r\n\r\n",
	"GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", "GET / HTTP/1.1\r\nConnection: x\r\nConnection: close\r\n\r\n",
	"GET / HTTP/1.1\r\nConnection: \u212aeep-alive\r\n\r\n", "GET / HTTP/1.0\r\nConnection: ,,keep-alive,\r\n\r\n",
	"GET / HTTP/0.9\r\n\r\n", "GET / HTTP/2.0\r\nConnection: close\r\n\r\n",
	// Content-Length.
	rhPublish + rhBody100, rhPublish + rhBody100 + "GET /sub HTTP/1.1\r\nHost: x\r\n\r\n", rhPublish + "short",
	"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabcdef",
	"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length:  3 \r\n\r\nabc",
	"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
	"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx", "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1_0\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\nabc",
	"POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n1234567", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 1\r\n 2\r\n\r\n12", "POST / HTTP/1.1\r\ncontent-length: 2\r\n\r\nab",
	"POST / HTTP/1.1\r\nContent-Length : 2\r\n\r\nab", "GET / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab",
	"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nabGET / HTTP/1.0\r\n\r\n", "POST / HTTP/1.1\r\n\r\nbody?",
	"POST / HTTP/1.0\r\n\r\nbody", "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("z", 5000) + "GET / HTTP/1.1\r\n\r\n",
	// Transfer-Encoding.
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n", "POST / HTTP/1.1\r\nTransfer-Encoding: chun\u212aed\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked \r\n \r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.0\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx",
	"POST / HTTP/0.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
	"POST / HTTP/0.9\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n",
	// Trailers.
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 1\r\nX-Other: 2\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: a, b,,c\r\nTrailer: d\r\n\r\n0\r\nA: 1\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: ,\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: x, transfer-encoding\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 1\r\nTrailer: Content-Length\r\n\r\nx",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + strings.Repeat("t", 5000) + "\r\n\r\n",
	// HTTP/2 preface.
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "PRI * HTTP/2.0\r\nHost: x\r\n\r\nSM\r\n\r\n",
	"PRI * HTTP/2.0\r\nContent-Length: 0\r\n\r\n",
	// Heads larger than a buffer.
	"GET /" + strings.Repeat("u", 5000) + " HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nCookie: " + strings.Repeat("c", 5000) + "\r\nX: y\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\n " + strings.Repeat("s", 200) + "\r\n\r\n",
	"GET / HTTP/1.1\r\n" + strings.Repeat("A: 1\r\nB: 2\r\n", 20) + "\r\n",
	rhBrowser, rhBrowser + rhBrowser,
	// Found by FuzzReadRequest.
	"0 * HTTP/1.1\nTrAnsfer-EnCoding:Chunked\n\n1\r\n0000",
	"0 * HTTP/0.0\r\n 000000000000000",
	"GET / HTTP/1.1\r\n " + strings.Repeat("x", 100),
}

func TestReadRequestMatchesNetHTTP(t *testing.T) {
	for _, in := range rhRequests {
		rhCheck(t, in)
	}
}

// TestReadRequestEveryByte puts every byte value in each part of a head.
func TestReadRequestEveryByte(t *testing.T) {
	for c := range 256 {
		s := string([]byte{byte(c)})
		for _, in := range []string{
			"G" + s + "T / HTTP/1.1\r\n\r\n",
			"GET /a" + s + "b HTTP/1.1\r\n\r\n",
			"GET /a?" + s + " HTTP/1.1\r\n\r\n",
			"GET http://h" + s + "/ HTTP/1.1\r\n\r\n",
			"GET / HTTP/1" + s + "1\r\n\r\n",
			"GET / HTTP/1.1\r\nX" + s + "Y: v\r\n\r\n",
			"GET / HTTP/1.1\r\nx" + s + "y: v\r\n\r\n",
			"GET / HTTP/1.1\r\nX: v" + s + "w\r\n\r\n",
			"GET / HTTP/1.1\r\nX: v\r\n" + s + "w\r\n\r\n",
			"GET / HTTP/1.1\r\n" + s + "X: v\r\n\r\n",
			"POST / HTTP/1.1\r\nContent-Length: 1" + s + "\r\n\r\nx",
			"GET / HTTP/1.0\r\nConnection: keep-alive" + s + "\r\n\r\n",
		} {
			rhCheck(t, in)
		}
	}
}

// TestReadRequestPrefixes cuts valid requests short everywhere.
func TestReadRequestPrefixes(t *testing.T) {
	for _, in := range []string{
		rhPublish + "abc",
		"GET /a?b HTTP/1.0\r\nX: a\r\n  b\r\nHost: h\r\n\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\n\r\n3\r\nabc\r\n0\r\nX: 1\r\n\r\n",
		rhBrowser,
	} {
		for i := range len(in) + 1 {
			rhCheck(t, in[:i])
		}
	}
}

// TestReadRequestTarget checks the origin-form fast path against
// url.ParseRequestURI.
func TestReadRequestTarget(t *testing.T) {
	targets := []string{"/", "/a/b", "/a?", "/a?b", "/a??", "/?a=b&c=d", "//x", "/a%20b", "/a+b"}
	for c := range 256 {
		s := string([]byte{byte(c)})
		targets = append(targets, "/"+s, "/a"+s+"b?q", "/?"+s, "/a?b"+s+"?")
	}
	for _, target := range targets {
		want, werr := url.ParseRequestURI(target)
		var dst url.URL
		got, err := parseTarget(&dst, "GET", target)
		if (werr == nil) != (err == nil) || werr == nil && !reflect.DeepEqual(want, got) {
			t.Errorf("%q: got %#v, %v; want %#v, %v", target, got, err, want, werr)
		}
	}
}

// TestReadRequestFieldValue checks the 8-bytes-at-a-time value check
// with every byte value at every place of a word.
func TestReadRequestFieldValue(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for i := range n {
			for c := range 256 {
				for _, fill := range []byte{'a', '\t', 0x80, 0xff, 0x7e} {
					v := bytes.Repeat([]byte{fill}, n)
					v[i] = byte(c)
					if got, want := validFieldValue(v), validValueBytes(v); got != want {
						t.Fatalf("validFieldValue(%q) = %v", v, got)
					}
				}
			}
		}
	}
	rhCheck(t, "GET / HTTP/1.1\r\nCookie: "+strings.Repeat("abcdefg\x01", 3)+"\r\n\r\n")
	rhCheck(t, "GET / HTTP/1.1\r\nCookie: "+strings.Repeat("abcdefg\x7f", 3)+"\r\n\r\n")
	rhCheck(t, "GET / HTTP/1.1\r\nCookie: "+strings.Repeat("abc\tdefg\x80", 3)+"\r\n\r\n")
}

func TestReadRequestCanonicalKey(t *testing.T) {
	keys := []string{"Host", "host", "HOST", "content-length", "X-Foo-Bar", "x-foo-bar",
		"dnt", "Sec-WebSocket-Key", "a-", "-a", "1a", "ETag", "Content-Type",
		strings.Repeat("ab-", 30), strings.Repeat("Ab-", 30)}
	for _, k := range keys {
		if got, want := canonicalKey(k), textproto.CanonicalMIMEHeaderKey(k); got != want {
			t.Errorf("canonicalKey(%q) = %q, want %q", k, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = canonicalKey("Content-Type") }); n != 0 {
		t.Errorf("canonical key: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = canonicalKey("sec-websocket-key") }); n != 0 {
		t.Errorf("common key: %v allocations", n)
	}
}

// rhFailingReader serves s, then fails with err.
type rhFailingReader struct {
	s   string
	err error
}

func (r *rhFailingReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, r.err
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

// TestReadRequestReadError checks that the reader's errors reach the
// caller (conn.go tells errHeaderTooLarge and timeouts apart), even in the
// middle of a line.
func TestReadRequestReadError(t *testing.T) {
	for _, in := range []string{"", "G", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHo", "GET / HTTP/1.1\r\nHost: x\r\n"} {
		for _, size := range []int{16, 4096} {
			br := bufio.NewReaderSize(&rhFailingReader{in, errHeaderTooLarge}, size)
			if _, err := readRequest(br); !errors.Is(err, errHeaderTooLarge) {
				t.Errorf("%q, buffer %d: %v", in, size, err)
			}
		}
	}
	if _, err := readRequest(bufio.NewReader(strings.NewReader(""))); err != io.EOF {
		t.Errorf("empty input: %v, want io.EOF", err)
	}
	if _, err := readRequest(bufio.NewReader(strings.NewReader("GET / HTT"))); err != io.ErrUnexpectedEOF {
		t.Errorf("cut input: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestReadRequestAllocs(t *testing.T) {
	in := rhPublish + rhBody100
	sr := strings.NewReader(in)
	br := bufio.NewReader(sr)
	n := testing.AllocsPerRun(100, func() {
		sr.Reset(in)
		br.Reset(sr)
		req, err := readRequest(br)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, req.Body)
	})
	if n > 5 {
		t.Errorf("%v allocations per publish request", n)
	}
}

func FuzzReadRequest(f *testing.F) {
	for _, seed := range requestSeeds {
		f.Add(seed)
	}
	for _, seed := range rhRequests {
		if len(seed) < 1000 {
			f.Add(seed)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 8<<10 {
			// rhCheck reads a byte at a time: a long input would stall
			// the fuzzer, and 8 KiB already exceeds a reader's buffer.
			t.Skip()
		}
		rhCheck(t, in)
	})
}

func BenchmarkReadRequest(b *testing.B) {
	for _, tc := range []struct{ name, in string }{
		{"publish", rhPublish + rhBody100},
		{"browser", rhBrowser},
	} {
		for _, p := range []struct {
			name string
			read rhParser
		}{{"pushstream", readRequest}, {"nethttp", http.ReadRequest}} {
			b.Run(tc.name+"/"+p.name, func(b *testing.B) {
				sr := strings.NewReader(tc.in)
				br := bufio.NewReader(sr)
				b.ReportAllocs()
				b.SetBytes(int64(len(tc.in)))
				for b.Loop() {
					sr.Reset(tc.in)
					br.Reset(sr)
					req, err := p.read(br)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, req.Body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
