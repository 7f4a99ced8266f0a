//go:build linux

package bench

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer is a tiny push-stream look-alike for the integration tests: it
// publishes on POST /pub?id=, wraps each body in a JSON template and serves
// /sub/ (streaming), /ev/ (eventsource), /lp/ (long-polling) and /ws/.
type fakeServer struct {
	mu    sync.Mutex
	chans map[string]*fakeChan
}

type fakeChan struct {
	msgs [][]byte // stored formatted messages; Etag W/n means "n seen"
	subs map[chan []byte]bool
}

func newFakeServer(t *testing.T) *httptest.Server {
	f := &fakeServer{chans: map[string]*fakeChan{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/pub", f.pub)
	mux.HandleFunc("/sub/", func(w http.ResponseWriter, r *http.Request) { f.stream(w, r, "/sub/", false) })
	mux.HandleFunc("/ev/", func(w http.ResponseWriter, r *http.Request) { f.stream(w, r, "/ev/", true) })
	mux.HandleFunc("/lp/", f.longPoll)
	mux.HandleFunc("/ws/", f.ws)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeServer) channel(id string) *fakeChan {
	c := f.chans[id]
	if c == nil {
		c = &fakeChan{subs: map[chan []byte]bool{}}
		f.chans[id] = c
	}
	return c
}

func (f *fakeServer) pub(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) == 0 || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id := r.URL.Query().Get("id")
	f.mu.Lock()
	c := f.channel(id)
	msg := fmt.Appendf(nil, `{"id":%d,"channel":"%s","text":"%s"}`, len(c.msgs)+1, id, body)
	c.msgs = append(c.msgs, msg)
	for sub := range c.subs {
		sub <- msg // buffered generously; the tests stay far below
	}
	n := len(c.subs)
	f.mu.Unlock()
	fmt.Fprintf(w, `{"channel": "%s", "subscribers": %d}`+"\r\n", id, n)
}

func (f *fakeServer) subscribe(id string) (chan []byte, func()) {
	ch := make(chan []byte, 10000)
	f.mu.Lock()
	f.channel(id).subs[ch] = true
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		delete(f.chans[id].subs, ch)
		f.mu.Unlock()
	}
}

func (f *fakeServer) stream(w http.ResponseWriter, r *http.Request, prefix string, sse bool) {
	ch, done := f.subscribe(strings.TrimPrefix(r.URL.Path, prefix))
	defer done()
	if sse {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		io.WriteString(w, ": \n")
	} else {
		io.WriteString(w, "<html>") // header template
	}
	w.(http.Flusher).Flush()
	for {
		select {
		case m := <-ch:
			if sse {
				fmt.Fprintf(w, "data: %s\n\n", m)
			} else {
				w.Write(m)
			}
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeServer) longPoll(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/lp/")
	seen := -1
	if v := strings.TrimPrefix(r.Header.Get("If-None-Match"), "W/"); v != "" {
		seen, _ = strconv.Atoi(v)
	}
	f.mu.Lock()
	c := f.channel(id)
	if seen >= 0 && seen < len(c.msgs) {
		msgs := c.msgs[seen:]
		f.mu.Unlock()
		w.Header()["Etag"] = []string{"W/" + strconv.Itoa(seen+len(msgs))}
		w.Header().Set("Last-Modified", "Thu, 01 Jan 1970 00:00:01 GMT")
		for _, m := range msgs {
			w.Write(m)
			w.(http.Flusher).Flush() // one chunk each
		}
		return
	}
	total := len(c.msgs)
	sub := make(chan []byte, 10000)
	c.subs[sub] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(c.subs, sub)
		f.mu.Unlock()
	}()
	w.Header().Set("Last-Modified", "Thu, 01 Jan 1970 00:00:01 GMT")
	select {
	case m := <-sub:
		w.Header()["Etag"] = []string{"W/" + strconv.Itoa(total+1)}
		w.Write(m)
	case <-time.After(2 * time.Second):
		w.Header()["Etag"] = []string{"W/" + strconv.Itoa(total)}
		w.WriteHeader(http.StatusNotModified)
	case <-r.Context().Done():
	}
}

func (f *fakeServer) ws(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/ws/")
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")
	ch, done := f.subscribe(id)
	defer done()
	gone := make(chan struct{})
	go func() { // any client byte or EOF ends the subscription
		rw.Reader.ReadByte()
		close(gone)
	}()
	bw := bufio.NewWriter(conn)
	for {
		select {
		case m := <-ch:
			bw.Write(wsFrame(m))
			if len(ch) == 0 {
				if bw.Flush() != nil {
					return
				}
			}
		case <-gone:
			return
		}
	}
}

// wsFrame encodes an unmasked text frame.
func wsFrame(p []byte) []byte {
	var h []byte
	switch {
	case len(p) < 126:
		h = []byte{0x81, byte(len(p))}
	case len(p) < 65536:
		h = []byte{0x81, 126, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(len(p)))
	default:
		h = make([]byte, 10)
		h[0], h[1] = 0x81, 127
		binary.BigEndian.PutUint64(h[2:], uint64(len(p)))
	}
	return append(h, p...)
}
