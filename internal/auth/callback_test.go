package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/config"
)

// app is a fake application answering the callback.
type app struct {
	calls  atomic.Int32
	status atomic.Int32
	delay  time.Duration
	last   atomic.Pointer[http.Header]
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	h := r.Header.Clone()
	a.last.Store(&h)
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.Header.Get(HeaderAction) == "subscribe" && r.Header.Get("Authorization") == "Bearer writer" {
		w.Header().Set(HeaderAllowPublish, "true")
	}
	w.WriteHeader(int(a.status.Load()))
}

func newApp(t *testing.T, status int, delay time.Duration) (*app, string) {
	a := &app{delay: delay}
	a.status.Store(int32(status))
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv.URL + "/auth"
}

func TestCallback(t *testing.T) {
	a, url := newApp(t, 204, 0)
	cb := NewCallback(&config.Auth{RequestURL: url, RequestTimeout: time.Second, RequestCacheTTL: time.Minute})
	r := request("Bearer writer")
	r.Header.Set("Cookie", "session=1")
	r.Header.Set("X-Custom", "v")
	r.Header.Set("Sec-WebSocket-Key", "k")
	now := time.Now()
	q := CallbackRequest{Client: r, Action: "subscribe", Channels: []string{"a", "b"}}

	d := cb.Check(context.Background(), q, now)
	if d.Denial != nil || !d.Publish || d.Cached {
		t.Fatalf("first decision %+v", d)
	}
	h := *a.last.Load()
	for name, want := range map[string]string{
		HeaderChannels: "a/b", HeaderAction: "subscribe", "Authorization": "Bearer writer",
		"Cookie": "session=1", "X-Custom": "v", "X-Original-Uri": "/sub/a", "X-Real-Ip": "127.0.0.1",
		"Sec-Websocket-Key": "",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("callback header %s = %q, want %q", name, got, want)
		}
	}

	// Same credentials and channels: served from the cache.
	if d := cb.Check(context.Background(), q, now.Add(time.Second)); !d.Cached || d.Denial != nil || a.calls.Load() != 1 {
		t.Fatalf("second decision %+v, calls %d", d, a.calls.Load())
	}
	// Other channels or another cookie: asked again.
	q2 := q
	q2.Channels = []string{"a"}
	if d := cb.Check(context.Background(), q2, now); d.Cached || a.calls.Load() != 2 {
		t.Fatalf("other channels %+v, calls %d", d, a.calls.Load())
	}
	// Expired entry: asked again.
	if d := cb.Check(context.Background(), q, now.Add(2*time.Minute)); d.Cached || a.calls.Load() != 3 {
		t.Fatalf("expired entry %+v, calls %d", d, a.calls.Load())
	}
}

func TestCallbackDenials(t *testing.T) {
	tests := []struct {
		name   string
		status int
		delay  time.Duration
		want   int
		cached bool
	}{
		{"403", 403, 0, 403, true},
		{"401", 401, 0, 401, true},
		{"500", 500, 0, 403, true},
		{"redirect", 302, 0, 403, true},
		{"timeout", 200, 2 * time.Second, 503, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, url := newApp(t, tt.status, tt.delay)
			cb := NewCallback(&config.Auth{RequestURL: url, RequestTimeout: 200 * time.Millisecond})
			q := CallbackRequest{Client: request(""), Action: "subscribe", Channels: []string{"a"}}
			start := time.Now()
			d := cb.Check(context.Background(), q, start)
			if d.Denial == nil || d.Denial.Status != tt.want {
				t.Fatalf("decision %+v", d)
			}
			if el := time.Since(start); el > time.Second {
				t.Fatalf("callback took %v, beyond its timeout", el)
			}
			d = cb.Check(context.Background(), q, start)
			if d.Cached != tt.cached {
				t.Fatalf("second decision cached=%v, want %v (calls %d)", d.Cached, tt.cached, a.calls.Load())
			}
		})
	}
}

func TestCallbackUnreachable(t *testing.T) {
	cb := NewCallback(&config.Auth{RequestURL: "http://127.0.0.1:1/auth", RequestCacheTTL: -1})
	d := cb.Check(context.Background(), CallbackRequest{Client: request(""), Channels: []string{"a"}}, time.Now())
	if d.Denial == nil || d.Denial.Status != 503 {
		t.Fatalf("decision %+v", d)
	}
}

func TestCallbackRejectsControlBytes(t *testing.T) {
	a, url := newApp(t, 200, 0)
	cb := NewCallback(&config.Auth{RequestURL: url})
	d := cb.Check(context.Background(), CallbackRequest{Client: request(""), Channels: []string{"a\r\nX-Evil: 1"}}, time.Now())
	if d.Denial == nil || d.Denial.Status != 403 || a.calls.Load() != 0 {
		t.Fatalf("decision %+v, calls %d", d, a.calls.Load())
	}
}
