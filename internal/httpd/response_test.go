package httpd

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestStatusLines(t *testing.T) {
	tests := []struct {
		code int
		line string
	}{
		{200, "HTTP/1.1 200 OK\r\n"},
		{304, "HTTP/1.1 304 Not Modified\r\n"},
		{400, "HTTP/1.1 400 Bad Request\r\n"},
		{403, "HTTP/1.1 403 Forbidden\r\n"},
		{404, "HTTP/1.1 404 Not Found\r\n"},
		{405, "HTTP/1.1 405 Not Allowed\r\n"},
		{413, "HTTP/1.1 413 Request Entity Too Large\r\n"},
		{500, "HTTP/1.1 500 Internal Server Error\r\n"},
		{503, "HTTP/1.1 503 Service Unavailable\r\n"},
		{101, "HTTP/1.1 101 Switching Protocols\r\n"},
		{409, "HTTP/1.1 409 Conflict\r\n"},
		{599, "HTTP/1.1 599\r\n"},
	}
	for _, tt := range tests {
		if got := StatusLine(tt.code); got != tt.line {
			t.Errorf("StatusLine(%d) = %q", tt.code, got)
		}
	}
}

func TestHeaderOnlyExactBytes(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		code := 405
		fmt.Sscan(r.URL.Query().Get("code"), &code)
		w.SetHeader("X-Nginx-PushStream-Explain", "Some explain.")
		w.SetHeader("Etag", "W/3")
		w.SetHeader("Allow", "GET, POST, PUT")
		w.AddHeader("X-Nginx-PushStream-Tag", "7")
		_ = w.WriteHeaderOnly(code)
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for _, code := range []int{405, 304, 200} {
		send(t, c, fmt.Sprintf("GET /x?code=%d HTTP/1.1\r\nHost: x\r\n\r\n", code))
		head := readHead(t, br)
		if !strings.HasPrefix(head, StatusLine(code)) {
			t.Fatalf("status: %q", head)
		}
		for _, want := range []string{"\r\nX-Nginx-PushStream-Explain: Some explain.\r\n", "\r\nEtag: W/3\r\n",
			"\r\nAllow: GET, POST, PUT\r\n", "\r\nX-Nginx-PushStream-Tag: 7\r\n", "\r\nConnection: keep-alive\r\n",
			"\r\nServer: pushstream\r\n"} {
			if !strings.Contains(head, want) {
				t.Errorf("%d: missing %q in %q", code, want, head)
			}
		}
		hasCL := strings.Contains(head, "\r\nContent-Length: 0\r\n")
		if hasCL == (code == 304) {
			t.Errorf("%d: Content-Length presence wrong in %q", code, head)
		}
	}
}

func TestWriteBody(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.WriteBody(200, "application/json", []byte(`{"a":1}`))
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	head := readHead(t, br)
	if !strings.Contains(head, "\r\nContent-Type: application/json\r\n") || !strings.Contains(head, "\r\nContent-Length: 7\r\n") {
		t.Fatalf("head %q", head)
	}
	if got := readN(t, br, 7); got != `{"a":1}` {
		t.Fatalf("body %q", got)
	}
	// HEAD: same headers, no body, the next bytes are nothing (connection still open).
	head = readHead(t, br)
	if !strings.Contains(head, "\r\nContent-Length: 7\r\n") {
		t.Fatalf("HEAD head %q", head)
	}
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if head := readHead(t, br); !strings.Contains(head, "\r\nConnection: close\r\n") {
		t.Fatalf("close head %q", head)
	}
	readN(t, br, 7)
	expectEOF(t, br)
}

// TestChunkPerPiece checks that each piece is its own chunk and reaches the
// client before the handler writes the next one.
func TestChunkPerPiece(t *testing.T) {
	wakers := make(chan *Waker, 1)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		_ = w.WritePiece([]byte("HEADER"))
		_ = w.WritePiece(nil) // skipped, must not end the stream
		wakers <- w.Waker()
		if ev, _ := w.Park(timeZero); ev != EventWake {
			t.Errorf("park: %v", ev)
		}
		_ = w.WritePieces([][]byte{[]byte("msg1"), nil, []byte("message-2")})
		_ = w.Finish()
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET /sub HTTP/1.1\r\nHost: x\r\n\r\n")
	head := readHead(t, br)
	if !strings.Contains(head, "\r\nTransfer-Encoding: chunked\r\n") || strings.Contains(head, "Content-Length") {
		t.Fatalf("head %q", head)
	}
	if got := readN(t, br, len("6\r\nHEADER\r\n")); got != "6\r\nHEADER\r\n" {
		t.Fatalf("first chunk %q", got)
	}
	(<-wakers).Wake()
	want := "4\r\nmsg1\r\n9\r\nmessage-2\r\n0\r\n\r\n"
	if got := readN(t, br, len(want)); got != want {
		t.Fatalf("rest %q", got)
	}
	// Keep-alive survives a stream.
	send(t, c, "GET /sub HTTP/1.1\r\nHost: x\r\n\r\n")
	readHead(t, br)
	readN(t, br, len("6\r\nHEADER\r\n"))
	(<-wakers).Wake()
	readN(t, br, len(want))
}

func TestHTTP10(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			_ = w.StartChunked(200, "text/plain")
			_ = w.WritePiece([]byte("one"))
			_ = w.WritePiece([]byte("two"))
			_ = w.Finish()
		default:
			_ = w.WriteBody(200, "text/plain", []byte("hi"))
		}
	})
	t.Run("no host, closes", func(t *testing.T) {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		send(t, c, "GET / HTTP/1.0\r\n\r\n")
		head := readHead(t, br)
		if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || !strings.Contains(head, "\r\nConnection: close\r\n") {
			t.Fatalf("head %q", head)
		}
		if got := readN(t, br, 2); got != "hi" {
			t.Fatalf("body %q", got)
		}
		expectEOF(t, br)
	})
	t.Run("keep-alive", func(t *testing.T) {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		for range 3 {
			send(t, c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			if head := readHead(t, br); !strings.Contains(head, "\r\nConnection: keep-alive\r\n") {
				t.Fatalf("head %q", head)
			}
			readN(t, br, 2)
		}
	})
	t.Run("stream unchunked", func(t *testing.T) {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		send(t, c, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		head := readHead(t, br)
		if strings.Contains(head, "chunked") || !strings.Contains(head, "Connection: close") {
			t.Fatalf("head %q", head)
		}
		if got := readN(t, br, 6); got != "onetwo" {
			t.Fatalf("body %q", got)
		}
		expectEOF(t, br)
	})
}

func TestKeepAlive500(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.WriteBody(200, "text/plain", []byte(r.URL.Query().Get("i")))
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for i := range 500 {
		send(t, c, fmt.Sprintf("GET /?i=%d HTTP/1.1\r\nHost: x\r\n\r\n", i))
		if _, body := readResponse(t, br, "GET"); body != fmt.Sprint(i) {
			t.Fatalf("request %d: body %q", i, body)
		}
	}
}

func TestPipelined(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_ = w.WriteBody(200, "text/plain", append([]byte(r.URL.Path+":"), body...))
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"+
		"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"+
		"POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nq")
	for _, want := range []string{"/a:", "/b:xyz", "/c:hi", "/d:q"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q want %q", body, want)
		}
	}
}

func TestUnreadBodyDrained(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.WriteHeaderOnly(200) // never reads the body
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponse(t, br, "POST")
	readResponse(t, br, "GET")
}

func TestTooLarge(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		if r.ContentLength > 2048 {
			_ = w.WriteTooLarge()
			return
		}
		_ = w.WriteHeaderOnly(200)
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "POST /pub?id=ch HTTP/1.1\r\nHost: x\r\nContent-Length: 4098\r\n\r\n"+strings.Repeat("a", 4098))
	resp, body := readResponse(t, br, "POST")
	if resp.StatusCode != 413 || resp.Status != "413 Request Entity Too Large" || !resp.Close {
		t.Fatalf("resp %v close=%v", resp.Status, resp.Close)
	}
	for _, want := range []string{"<title>413 Request Entity Too Large</title>", "<h1>413 Request Entity Too Large</h1>", "<center>pushstream</center>"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q: %q", want, body)
		}
	}
	expectEOF(t, br)
}

func TestExpectContinue(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_ = w.WriteBody(200, "text/plain", body)
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
	if got := readN(t, br, len("HTTP/1.1 100 Continue\r\n\r\n")); got != "HTTP/1.1 100 Continue\r\n\r\n" {
		t.Fatalf("got %q", got)
	}
	send(t, c, "ok")
	if _, body := readResponse(t, br, "POST"); body != "ok" {
		t.Fatalf("body %q", body)
	}
}

var chunkSizeLine = regexp.MustCompile(`^[0-9a-f]+\r\n$`)

func TestGzip(t *testing.T) {
	wakers := make(chan *Waker, 1)
	policy := GzipPolicy{Enabled: true, Types: []string{"text/plain", "application/json"}, MinLength: 20, Vary: true}
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		w.SetGzip(policy)
		w.SetHeader("Etag", "W/1")
		switch r.URL.Path {
		case "/stream":
			_ = w.StartChunked(200, "text/plain; charset=utf-8")
			_ = w.WritePiece([]byte("first piece"))
			wakers <- w.Waker()
			w.Park(timeZero)
			_ = w.WritePiece([]byte("second piece"))
			_ = w.Finish()
		case "/short":
			_ = w.WriteBody(200, "text/plain", []byte("short"))
		case "/css":
			_ = w.WriteBody(200, "text/css", bytes.Repeat([]byte("c"), 100))
		case "/404":
			_ = w.WriteBody(404, "text/html", bytes.Repeat([]byte("n"), 100))
		case "/empty":
			_ = w.WriteHeaderOnly(200)
		default:
			_ = w.WriteBody(200, "application/json", bytes.Repeat([]byte("j"), 100))
		}
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)

	t.Run("stream decodes each piece before the end", func(t *testing.T) {
		send(t, c, "GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: deflate, gzip\r\n\r\n")
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != -1 || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("headers %v", resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAtLeast(t, zr, len("first piece")); got != "first piece" {
			t.Fatalf("first %q", got)
		}
		(<-wakers).Wake()
		rest, err := io.ReadAll(zr)
		if err != nil || string(rest) != "second piece" {
			t.Fatalf("rest %q %v", rest, err)
		}
	})
	for _, tt := range []struct {
		path, ae string
		gzip     bool
		code     int
	}{
		{"/json", "gzip", true, 200},
		{"/404", "gzip", true, 404},
		{"/short", "gzip", false, 200},
		{"/css", "gzip", false, 200},
		{"/json", "", false, 200},
		{"/json", "gzip;q=0", false, 200},
		{"/empty", "gzip", false, 200},
	} {
		t.Run(tt.path+"/"+tt.ae, func(t *testing.T) {
			req := "GET " + tt.path + " HTTP/1.1\r\nHost: x\r\n"
			if tt.ae != "" {
				req += "Accept-Encoding: " + tt.ae + "\r\n"
			}
			send(t, c, req+"\r\n")
			resp, body := readResponse(t, br, "GET")
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("gzip=%v headers %v", got, resp.Header)
			}
			if tt.gzip {
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil || len(plain) != 100 {
					t.Fatalf("plain %q %v", plain, err)
				}
				if resp.Header["Etag"][0] != "W/1" {
					t.Fatalf("etag %v", resp.Header)
				}
			}
		})
	}
}

// readAtLeast reads until n bytes arrived (a gzip reader may return short reads).
func readAtLeast(t *testing.T, r io.Reader, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

// TestWriteWholeSameBytes: WriteWhole sends exactly what StartChunked,
// WritePieces and Finish send, for HTTP/1.1, HTTP/1.0 and HEAD.
func TestWriteWholeSameBytes(t *testing.T) {
	pieces := [][]byte{[]byte("header"), nil, []byte(`{"text":"one"}`), []byte("footer")}
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		w.SetHeader("Etag", "W/7")
		if r.URL.Path == "/whole" {
			_ = w.WriteWhole(200, "text/plain", pieces)
			return
		}
		_ = w.StartChunked(200, "text/plain")
		_ = w.WritePieces(pieces)
		_ = w.Finish()
	})
	answer := func(method, path, proto string) string {
		c := dial(t, addr)
		send(t, c, method+" "+path+" "+proto+"\r\nHost: x\r\nConnection: close\r\n\r\n")
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		// The Date header may differ by a second between the two answers.
		lines := strings.Split(string(b), "\r\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "Date: ") {
				lines[i] = "Date: -"
			}
		}
		return strings.Join(lines, "\r\n")
	}
	for _, tc := range []struct{ method, proto, want string }{
		{"GET", "HTTP/1.1", "6\r\nheader\r\ne\r\n{\"text\":\"one\"}\r\n6\r\nfooter\r\n0\r\n\r\n"},
		{"GET", "HTTP/1.0", "\r\n\r\nheader{\"text\":\"one\"}footer"},
		{"HEAD", "HTTP/1.1", "\r\n\r\n"},
	} {
		step, whole := answer(tc.method, "/step", tc.proto), answer(tc.method, "/whole", tc.proto)
		if step != whole {
			t.Errorf("%s %s: WriteWhole sent\n%q\nstep by step\n%q", tc.method, tc.proto, whole, step)
		}
		if !strings.HasSuffix(whole, tc.want) || !strings.Contains(whole, "\r\nEtag: W/7\r\n") {
			t.Errorf("%s %s: answer %q, want it to end with %q", tc.method, tc.proto, whole, tc.want)
		}
	}
}
