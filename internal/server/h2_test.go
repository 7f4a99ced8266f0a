package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// writeH1Request turns an HTTP/2 request into HTTP/1.1 bytes httpd reads:
// hop-by-hop headers dropped, Connection: close, the body framed by its
// length or chunked when unknown.
func TestWriteH1Request(t *testing.T) {
	for _, c := range []struct {
		name   string
		length int64
		body   string
	}{
		{"no body", 0, ""},
		{"known length", 5, "hello"},
		{"unknown length", -1, "streamed body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest("POST", "https://h/pub?id=ch", nil)
			r.RequestURI = "/pub?id=ch"
			r.Host = "example.org"
			r.Header.Set("Event-Id", "e1")
			r.Header.Set("Te", "trailers")
			if c.body != "" {
				r.Body = io.NopCloser(strings.NewReader(c.body))
			}
			r.ContentLength = c.length
			a, b := net.Pipe()
			defer a.Close()
			go func() { _ = writeH1Request(a, r) }()
			got, err := http.ReadRequest(bufio.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(got.Body)
			if got.Method != "POST" || got.RequestURI != "/pub?id=ch" || got.Host != "example.org" ||
				got.Header.Get("Event-Id") != "e1" || got.Header.Get("Te") != "" || !got.Close || string(body) != c.body {
				t.Errorf("%s %s host=%s hdr=%v close=%v body=%q", got.Method, got.RequestURI, got.Host, got.Header, got.Close, body)
			}
		})
	}
}
