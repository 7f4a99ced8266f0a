package router

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pushstream/pushstream/internal/config"
)

const locConf = `http {
  push_stream_shared_memory_size 1m;
  server {
    listen 9990;
    server_name 127.0.0.1;
    location /channels-stats { push_stream_channels_statistics; push_stream_channels_path $arg_id; }
    location /pub { push_stream_publisher; push_stream_channels_path $arg_id; }
    location /pub2 { push_stream_publisher admin; push_stream_channels_path $arg_id; }
    location ~ /sub/(.*)? { push_stream_subscriber; push_stream_channels_path $1;
      if ($arg_tests = "on") { push_stream_channels_path "test_$1"; }
      if ($arg_qs = "on") { push_stream_last_event_id "$arg_eventid"; }
      if ($arg_re ~ "^(x+)(y*)$") { push_stream_store_messages on; }
    }
    location = /exact { return 200 "exact"; }
    location /exact { return 200 "prefix"; }
    location ^~ /static/ { return 200 "static"; }
    location ~* \.JPG$ { return 200 "jpg"; }
    location /images/ { return 200 "images"; }
    location /nest {
      location /nest/inner { return 200 "inner"; }
    }
  }
}`

func mustRouter(t *testing.T, conf string) *Router {
	t.Helper()
	cfg, err := config.Parse("test.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg)
}

func label(l *config.Location) string {
	if l == nil {
		return "<none>"
	}
	if l.Return != nil {
		return l.Return.Text
	}
	return l.Pattern
}

func TestLocationSelection(t *testing.T) {
	r := mustRouter(t, locConf)
	tests := []struct {
		uri, want, cap1 string
	}{
		{"/pub?id=x", "/pub", ""},
		{"/pub2?id=x", "/pub2", ""},
		{"/pubx", "/pub", ""},
		{"/sub/ch1", "/sub/(.*)?", "ch1"},
		{"/sub/", "/sub/(.*)?", ""},
		{"/sub2/ch", "<none>", ""},
		{"/a/sub/ch.b1/ch2", "/sub/(.*)?", "ch.b1/ch2"},
		{"/sub/a%20b", "/sub/(.*)?", "a b"},
		{"/sub//a/./b/../c", "/sub/(.*)?", "a/c"},
		{"/exact", "exact", ""},
		{"/exact/more", "prefix", ""},
		{"/static/a.jpg", "static", ""},
		{"/images/a.jpg", "jpg", ""},
		{"/images/a.png", "images", ""},
		{"/nest/inner/x", "inner", ""},
		{"/nest/other", "/nest", ""},
		{"/channels-stats?id=ALL", "/channels-stats", ""},
		{"/", "<none>", ""},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.uri, nil)
		rt, err := r.Route("127.0.0.1:9990", req)
		if err != nil {
			t.Errorf("%s: %v", tt.uri, err)
			continue
		}
		if got := label(rt.Location); got != tt.want {
			t.Errorf("%s -> %s, want %s", tt.uri, got, tt.want)
		}
		if got := rt.Vars.Var("1"); got != tt.cap1 {
			t.Errorf("%s: $1 = %q, want %q", tt.uri, got, tt.cap1)
		}
		if rt.Settings == nil {
			t.Errorf("%s: nil settings", tt.uri)
		}
	}
}

func TestBadRequest(t *testing.T) {
	r := mustRouter(t, locConf)
	for _, uri := range []string{"/..", "/sub/../../x", "/a%zz", "/a%2", "/a%00b", "/%2E%2E/x"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RequestURI = uri
		if _, err := r.Route("127.0.0.1:9990", req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: err = %v", uri, err)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"//a//b//", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/b/..", "/a/"},
		{"/a/b/../", "/a/"},
		{"/a/.", "/a/"},
		{"/a/%2e%2e/b", "/b"},
		{"/a%2Fb", "/a/b"},
		{"/a+b", "/a+b"},
		{"/..a", "/..a"},
	}
	for _, tt := range tests {
		got, err := normalizePath(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("normalizePath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestIfEvaluation(t *testing.T) {
	r := mustRouter(t, locConf)
	tests := []struct {
		uri      string
		path     string // evaluated channels path
		eventID  bool   // last_event_id configured
		store    bool
		cap1     string // $1 after the ifs
		ifChosen bool
	}{
		{"/sub/ch", "ch", false, false, "ch", false},
		{"/sub/ch?tests=on", "test_ch", false, false, "ch", true},
		{"/sub/ch?tests=ON", "ch", false, false, "ch", false},
		{"/sub/ch?qs=on", "ch", true, false, "ch", true},
		// the last true block is used alone: no accumulation
		{"/sub/ch?tests=on&qs=on", "ch", true, false, "ch", true},
		// a regex condition replaces the captures
		{"/sub/ch?re=xxy", "xx", false, true, "xx", true},
		{"/sub/ch?re=z", "ch", false, false, "ch", false},
	}
	for _, tt := range tests {
		rt, err := r.Route("127.0.0.1:9990", httptest.NewRequest("GET", tt.uri, nil))
		if err != nil {
			t.Fatal(err)
		}
		s := rt.Settings
		if got := s.ChannelsPath.Eval(rt.Vars); got != tt.path {
			t.Errorf("%s: path %q want %q", tt.uri, got, tt.path)
		}
		if (s.LastEventID != nil) != tt.eventID || s.StoreMessages != tt.store || rt.Vars.Var("1") != tt.cap1 || (rt.If != nil) != tt.ifChosen {
			t.Errorf("%s: eventID=%v store=%v $1=%q if=%v", tt.uri, s.LastEventID != nil, s.StoreMessages, rt.Vars.Var("1"), rt.If != nil)
		}
	}
}

func TestServerSelection(t *testing.T) {
	conf := `http {
  server { listen 8080; server_name first; location / { return 200 first; } }
  server { listen 8080 default_server; server_name second *.wild.com; location / { return 200 second; } }
  server { listen 127.0.0.1:8080; server_name specific; location / { return 200 specific; } }
  server { listen 8081; server_name ~^re\d+$ www.example.*; location / { return 200 other; } }
  server { listen 8081; server_name .dot.org; location / { return 200 dot; } }
}`
	r := mustRouter(t, conf)
	tests := []struct{ local, host, want string }{
		{"10.0.0.1:8080", "first", "first"},
		{"10.0.0.1:8080", "FIRST:8080", "first"},
		{"10.0.0.1:8080", "nobody", "second"},
		{"10.0.0.1:8080", "a.wild.com", "second"},
		{"10.0.0.1:8080", "", "second"},
		{"127.0.0.1:8080", "first", "specific"},
		{"0.0.0.0:8080", "first", "first"},
		{"10.0.0.1:8081", "re12", "other"},
		{"10.0.0.1:8081", "www.example.net", "other"},
		{"10.0.0.1:8081", "dot.org", "dot"},
		{"10.0.0.1:8081", "x.dot.org", "dot"},
		{"10.0.0.1:8081", "zzz", "other"},
		{"", "dot.org", "dot"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = tt.host
		rt, err := r.Route(tt.local, req)
		if err != nil {
			t.Fatal(err)
		}
		if got := label(rt.Location); got != tt.want {
			t.Errorf("%s Host %q -> %s, want %s", tt.local, tt.host, got, tt.want)
		}
	}
}

func TestVars(t *testing.T) {
	req := httptest.NewRequest("POST", "/pub/a%20b?id=ch%201&ID=second&empty=&plus=a+b&flag&Ua=x", nil)
	req.Host = "Example.COM:9990"
	req.RemoteAddr = "10.1.2.3:5555"
	req.Header["User-Agent"] = []string{"test 1"}
	req.Header["X-Custom-Header"] = []string{"v1", "v2"}
	req.Header["Cookie"] = []string{"a=1; Sess=xyz%20", "b=2"}
	v := NewVars(req, "127.0.0.1:9990", "")
	v.SetCaptures([]string{"all", "one", "two"})
	tests := []struct{ name, want string }{
		{"arg_id", "ch%201"},
		{"arg_ID", "ch%201"},
		{"arg_empty", ""},
		{"arg_plus", "a+b"},
		{"arg_flag", ""},
		{"arg_ua", "x"},
		{"arg_missing", ""},
		{"http_user_agent", "test 1"},
		{"http_USER_AGENT", "test 1"},
		{"http_x_custom_header", "v1"},
		{"http_host", "Example.COM:9990"},
		{"http_missing", ""},
		{"cookie_sess", "xyz%20"},
		{"cookie_b", "2"},
		{"cookie_c", ""},
		{"uri", "/pub/a b"},
		{"request_uri", "/pub/a%20b?id=ch%201&ID=second&empty=&plus=a+b&flag&Ua=x"},
		{"args", "id=ch%201&ID=second&empty=&plus=a+b&flag&Ua=x"},
		{"query_string", "id=ch%201&ID=second&empty=&plus=a+b&flag&Ua=x"},
		{"is_args", "?"},
		{"host", "example.com"},
		{"remote_addr", "10.1.2.3"},
		{"remote_port", "5555"},
		{"server_port", "9990"},
		{"server_addr", "127.0.0.1"},
		{"request_method", "POST"},
		{"scheme", "http"},
		{"1", "one"},
		{"2", "two"},
		{"3", ""},
		{"unknown_thing", ""},
	}
	for _, tt := range tests {
		if got := v.Var(tt.name); got != tt.want {
			t.Errorf("$%s = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ch1", "ch1"},
		{"ch%201", "ch 1"},
		{"test%201", "test 1"},
		{"a+b", "a+b"},
		{"Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT", "Thu, 01 Jan 1970 00:00:00 GMT"},
		{"%2Fch1%2Fch2", "/ch1/ch2"},
		{"ch1.b5%2Fch2", "ch1.b5/ch2"},
		{"%zz", "%zz"},
		{"50%", "50%"},
		{"a%2", "a%2"},
		{"%e2%82%ac", "\u20ac"},
		{"a?b%20c", "a?b%20c"},  // nothing decoded before '?': kept whole
		{"a%20b?c%20d", "a b?"}, // decoded before '?': the rest is dropped
		{"a%3Fb%20", "a?b "},    // a decoded '?' is not a literal one
		{"%41%42", "AB"},
	}
	for _, tt := range tests {
		if got := Decode(tt.in); got != tt.want {
			t.Errorf("Decode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContentTypeFor(t *testing.T) {
	def := &config.Settings{DefaultType: "text/plain"}
	typed := &config.Settings{DefaultType: "application/octet-stream", Types: map[string]string{"json": "application/json"}}
	tests := []struct {
		s          *config.Settings
		path, want string
	}{
		{def, "/sub/a.jpg", "image/jpeg"},
		{def, "/sub/a.JPG", "image/jpeg"},
		{def, "/sub/a.html", "text/html"},
		{def, "/sub/a.gif", "image/gif"},
		{def, "/sub/a.png", "text/plain"},
		{def, "/sub/a.", "text/plain"},
		{def, "/sub.jpg/a", "text/plain"},
		{def, "/sub/ch", "text/plain"},
		{typed, "/x/a.json", "application/json"},
		{typed, "/x/a.jpg", "application/octet-stream"},
		{nil, "/a.jpg", "text/plain"},
	}
	for _, tt := range tests {
		if got := ContentTypeFor(tt.s, tt.path); got != tt.want {
			t.Errorf("ContentTypeFor(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestDefaultConfigRoutes(t *testing.T) {
	cfg, err := config.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	r := New(cfg)
	tests := []struct{ uri, path string }{
		{"/sub/ch1.b5/ch2", "ch1.b5/ch2"},
		{"/sub/ch1?tests=on", "test_ch1"},
		{"/ev/ch1", "ch1"},
		{"/lp/ch1?_=123", "ch1"},
		{"/jsonp/ch1?callback=x", "ch1"},
		{"/ws/ch1?tests=on", "test_ch1"},
		{"/pub?id=/ch1/ch2", "/ch1/ch2"},
		{"/channels-stats?id=ALL", "ALL"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, tt.uri, nil)
		rt, err := r.Route("127.0.0.1:9080", req)
		if err != nil || rt.Location == nil {
			t.Fatalf("%s: %v %+v", tt.uri, err, rt)
		}
		if got := Decode(rt.Settings.ChannelsPath.Eval(rt.Vars)); got != tt.path {
			t.Errorf("%s: channels path %q, want %q", tt.uri, got, tt.path)
		}
	}
	rt, _ := r.Route("127.0.0.1:9080", httptest.NewRequest("GET", "/jsonp/ch?time=Thu%2C%2001&tag=3&eventid=e%201", nil))
	s := rt.Settings
	if Decode(s.LastReceivedMessageTime.Eval(rt.Vars)) != "Thu, 01" || s.LastReceivedMessageTag.Eval(rt.Vars) != "3" || Decode(s.LastEventID.Eval(rt.Vars)) != "e 1" {
		t.Errorf("jsonp control values wrong")
	}
	if !strings.HasPrefix(cfg.Servers[0].Locations[2].Settings.HeaderTemplate, "<html>") {
		t.Errorf("sub header template missing")
	}
}
