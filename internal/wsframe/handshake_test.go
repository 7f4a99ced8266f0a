package wsframe

import (
	"bytes"
	"net/http"
	"testing"
)

func TestAcceptKey(t *testing.T) {
	if got := AcceptKey("/mQoZf6pRiv8+6o72GncLQ=="); got != "RaIOIcQ6CBoc74B9EKdH0avYZnw=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}

func TestHandshake(t *testing.T) {
	full := func() http.Header {
		return http.Header{
			"Upgrade":               {"websocket"},
			"Connection":            {"Upgrade"},
			"Sec-Websocket-Key":     {"/mQoZf6pRiv8+6o72GncLQ=="},
			"Sec-Websocket-Version": {"13"},
		}
	}
	tests := []struct {
		name    string
		edit    func(http.Header)
		status  int
		explain string
		version string
	}{
		{name: "ok 13", edit: func(http.Header) {}},
		{name: "ok 8", edit: func(h http.Header) { h["Sec-Websocket-Version"] = []string{"8"} }},
		{name: "no upgrade", edit: func(h http.Header) { delete(h, "Upgrade") }, status: 400, explain: ExplainMissingHeaders},
		{name: "no connection", edit: func(h http.Header) { delete(h, "Connection") }, status: 400, explain: ExplainMissingHeaders},
		{name: "no key", edit: func(h http.Header) { delete(h, "Sec-Websocket-Key") }, status: 400, explain: ExplainMissingHeaders},
		{name: "no version", edit: func(h http.Header) { delete(h, "Sec-Websocket-Version") }, status: 400, explain: ExplainMissingHeaders},
		{name: "version 7", edit: func(h http.Header) { h["Sec-Websocket-Version"] = []string{"7"} }, status: 400, explain: ExplainBadVersion, version: "8, 13"},
		{name: "version empty", edit: func(h http.Header) { h["Sec-Websocket-Version"] = []string{""} }, status: 400, explain: ExplainBadVersion, version: "8, 13"},
		{name: "values not checked", edit: func(h http.Header) { h["Upgrade"] = []string{"x"}; h["Connection"] = []string{""} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := full()
			tt.edit(h)
			accept, err := Handshake(&http.Request{Header: h})
			if tt.status == 0 {
				if err != nil || accept != "RaIOIcQ6CBoc74B9EKdH0avYZnw=" {
					t.Fatalf("got %q, %v", accept, err)
				}
				return
			}
			if err == nil || err.Status != tt.status || err.Explain != tt.explain {
				t.Fatalf("got %q, %+v", accept, err)
			}
			if got := err.Header["Sec-WebSocket-Version"]; tt.version != "" && (len(got) != 1 || got[0] != tt.version) {
				t.Fatalf("version header = %v", err.Header)
			}
		})
	}
}

func TestWrite101(t *testing.T) {
	var b bytes.Buffer
	if err := Write101(&b, "RaIOIcQ6CBoc74B9EKdH0avYZnw="); err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n" +
		"Cache-Control: no-cache, no-store, must-revalidate\r\n" +
		"Upgrade: WebSocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: RaIOIcQ6CBoc74B9EKdH0avYZnw=\r\n\r\n"
	if b.String() != want {
		t.Fatalf("got %q", b.String())
	}
}
