package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wrap puts location-level text into a minimal valid config.
func wrap(http, loc string) string {
	return "http {\n push_stream_shared_memory_size 10m;\n" + http + "\n server {\n  listen 9990;\n  location /x {\n" + loc + "\n  }\n }\n}\n"
}

const pubLoc = "push_stream_publisher; push_stream_channels_path $arg_id;"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		conf string
		msg  string // exact Msg
		line int    // 0 = do not check
	}{
		{"unknown", "foo bar;", `unknown directive "foo"`, 1},
		{"unknown push_stream", wrap("push_stream_nope on;", pubLoc), `unknown directive "push_stream_nope"`, 3},
		{"not allowed", wrap("push_stream_publisher;", pubLoc), `"push_stream_publisher" directive is not allowed here`, 3},
		{"global in location", wrap("", pubLoc+" push_stream_message_ttl 5m;"), `"push_stream_message_ttl" directive is not allowed here`, 7},
		{"not allowed in if", wrap("", pubLoc+` if ($arg_a) { push_stream_message_template "x"; }`), `"push_stream_message_template" directive is not allowed here`, 7},
		{"duplicate", wrap("", pubLoc+" push_stream_store_messages on; push_stream_store_messages off;"), `"push_stream_store_messages" directive is duplicate`, 7},
		{"duplicate global", wrap("push_stream_message_ttl 1m; push_stream_message_ttl 2m;", pubLoc), `"push_stream_message_ttl" directive is duplicate`, 3},
		{"second handler", wrap("", pubLoc+" push_stream_subscriber;"), `"push_stream_subscriber" directive is duplicate`, 7},
		{"second publisher", wrap("", pubLoc+" push_stream_publisher admin;"), `"push_stream_publisher" directive is duplicate`, 7},
		{"arity", wrap("", "push_stream_publisher; push_stream_channels_path;"), `invalid number of arguments in "push_stream_channels_path" directive`, 7},
		{"arity too many", wrap("", "push_stream_publisher a b; push_stream_channels_path $arg_id;"), `invalid number of arguments in "push_stream_publisher" directive`, 7},
		{"unexpected close", "events {}\n}\n", `unexpected "}"`, 2},
		{"eof in block", "http {\n", `unexpected end of file, expecting "}"`, 2},
		{"eof in directive", "pid /x", `unexpected end of file, expecting ";" or "}"`, 1},
		{"eof in quote", `pid "abc`, `unexpected end of file, expecting "\""`, 1},
		{"shm missing", "http {\n server { location /p { " + pubLoc + " } }\n}\n", "push stream module: push_stream_shared_memory_size must be set.", 1},
		{"shm small", "http {\n push_stream_shared_memory_size 100k;\n}", "The push_stream_shared_memory_size value must be at least 128KiB", 2},
		{"shm bad", "http {\n push_stream_shared_memory_size lots;\n}", `"push_stream_shared_memory_size" directive invalid value`, 2},
		{"channels path missing", wrap("", "push_stream_subscriber;"), "push stream module: push_stream_channels_path must be set.", 6},
		{"zero ping", wrap("push_stream_ping_message_interval 0;", pubLoc), "push stream module: push_stream_ping_message_interval cannot be zero.", 3},
		{"zero sub ttl", wrap("", pubLoc+"push_stream_subscriber_connection_ttl 0s;"), "push stream module: push_stream_subscriber_connection_ttl cannot be zero.", 7},
		{"zero lp ttl", wrap("", pubLoc+"push_stream_longpolling_connection_ttl 0;"), "push stream module: push_stream_longpolling_connection_ttl cannot be zero.", 7},
		{"zero id length", wrap("push_stream_max_channel_id_length 0;", pubLoc), "push stream module: push_stream_max_channel_id_length cannot be zero.", 3},
		{"zero message ttl", wrap("push_stream_message_ttl 0;", pubLoc), "push stream module: push_stream_message_ttl cannot be zero.", 3},
		{"zero subscribers", wrap("push_stream_max_subscribers_per_channel 0;", pubLoc), "push stream module: push_stream_max_subscribers_per_channel cannot be zero.", 3},
		{"zero stored", wrap("push_stream_max_messages_stored_per_channel 0;", pubLoc), "push stream module: push_stream_max_messages_stored_per_channel cannot be zero.", 3},
		{"zero channels", wrap("push_stream_max_number_of_channels 0;", pubLoc), "push stream module: push_stream_max_number_of_channels cannot be zero.", 3},
		{"zero wildcard channels", wrap("push_stream_max_number_of_wildcard_channels 0;", pubLoc), "push stream module: push_stream_max_number_of_wildcard_channels cannot be zero.", 3},
		{"zero qtd", wrap("push_stream_wildcard_channel_prefix b_; push_stream_wildcard_channel_max_qtd 0;", pubLoc), "push stream module: push_stream_wildcard_channel_max_qtd cannot be zero.", 3},
		{"blank template", wrap("", pubLoc+` push_stream_message_template "";`), "push stream module: push_stream_message_template cannot be blank.", 7},
		{"qtd without prefix", wrap("push_stream_wildcard_channel_max_qtd 3;", pubLoc), "push stream module: cannot set wildcard channel max qtd if push_stream_wildcard_channel_prefix is not set or blank.", 3},
		{"qtd over max", wrap("push_stream_wildcard_channel_prefix b_; push_stream_max_number_of_wildcard_channels 2; push_stream_wildcard_channel_max_qtd 3;", pubLoc), "push stream module: max number of wildcard channels cannot be smaller than value in push_stream_wildcard_channel_max_qtd.", 3},
		{"bad subscriber mode", wrap("", "push_stream_subscriber unknown; push_stream_channels_path $1;"), "push stream module: invalid push_stream_subscriber mode value: unknown, accepted values (streaming, polling, long-polling, eventsource, websocket)", 7},
		{"bad publisher mode", wrap("", "push_stream_publisher unknown; push_stream_channels_path $1;"), "push stream module: invalid push_stream_publisher mode value: unknown, accepted values (normal, admin)", 7},
		{"padding no match", wrap(`push_stream_padding_by_user_agent "user_agent,as,df";`, pubLoc), "push stream module: padding pattern not match the value user_agent,as,df", 3},
		{"padding not at start", wrap(`push_stream_padding_by_user_agent "user_agent,10,20:other_user_agent;20;0:another_user_agent,30,0";`, pubLoc), "push stream module: error applying padding pattern to other_user_agent;20;0:another_user_agent,30,0", 3},
		{"header file missing", wrap(`push_stream_header_template_file "/unexistent/path";`, pubLoc), `push stream module: unable to open file "/unexistent/path" for header template`, 3},
		{"file after template", wrap(`push_stream_header_template "x"; push_stream_header_template_file "/unexistent/path";`, pubLoc), `"push_stream_header_template_file" directive is duplicate or template set by 'push_stream_header_template'`, 3},
		{"template after file", wrap(`push_stream_header_template_file "testdata/header.txt"; push_stream_header_template "x";`, pubLoc), `"push_stream_header_template" directive is duplicate`, 3},
		{"bad flag", wrap("", pubLoc+" push_stream_store_messages maybe;"), `invalid value "maybe" in "push_stream_store_messages" directive, it must be "on" or "off"`, 7},
		{"bad number", wrap("push_stream_max_channel_id_length -1;", pubLoc), `"push_stream_max_channel_id_length" directive invalid number`, 3},
		{"bad time", wrap("push_stream_message_ttl 5x;", pubLoc), `"push_stream_message_ttl" directive invalid value`, 3},
		{"ms not allowed", wrap("push_stream_message_ttl 500ms;", pubLoc), `"push_stream_message_ttl" directive invalid value`, 3},
		{"unknown variable", wrap("", "push_stream_publisher; push_stream_channels_path $nope;"), `unknown "nope" variable`, 7},
		{"bad if", wrap("", pubLoc+" if $x { }"), `invalid condition "$x"`, 7},
		{"bad regex location", "http { server { location ~ ( { } } }", "", 1},
		{"include missing", "include /unexistent/file.conf;", "", 1},
		{"server in location", wrap("", pubLoc+" server { }"), `"server" directive is not allowed here`, 7},
		{"http without block", "http;", `directive "http" has no opening "{"`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.conf", []byte(tt.conf))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if tt.msg != "" && ce.Msg != tt.msg {
				t.Errorf("msg = %q\nwant  %q", ce.Msg, tt.msg)
			}
			if tt.line != 0 && ce.Line != tt.line {
				t.Errorf("line = %d, want %d", ce.Line, tt.line)
			}
			if ce.File != "test.conf" && ce.File != "" {
				t.Errorf("file = %q", ce.File)
			}
			if want := ce.Msg + " in " + ce.File; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		check func(t *testing.T, c *Config)
	}{
		{"no value handlers", wrap("", "push_stream_subscriber ; push_stream_channels_path $1;"), func(t *testing.T, c *Config) {
			l := c.Servers[0].Locations[0]
			if l.Handler != HandlerSubscriber || l.Mode != ModeStreaming {
				t.Errorf("%v %v", l.Handler, l.Mode)
			}
		}},
		{"modes case-insensitive", wrap("", "push_stream_subscriber Long-Polling; push_stream_channels_path $1;"), func(t *testing.T, c *Config) {
			if m := c.Servers[0].Locations[0].Mode; m != ModeLongPolling {
				t.Errorf("mode %v", m)
			}
		}},
		{"admin", wrap("", "push_stream_publisher ADMIN; push_stream_channels_path $arg_id;"), func(t *testing.T, c *Config) {
			if l := c.Servers[0].Locations[0]; !l.PublisherAdmin || l.Handler != HandlerPublisher {
				t.Errorf("%+v", l)
			}
		}},
		{"no http block", "worker_processes 2; events { worker_connections 10; }", func(t *testing.T, c *Config) {
			if c.UsesPushStream || len(c.Notices) != 1 || c.Notices[0] != "ngx_http_push_stream_module will not be used with this configuration." {
				t.Errorf("notices %q", c.Notices)
			}
			if strings.Join(c.Ignored, ",") != "worker_processes,worker_connections" {
				t.Errorf("ignored %q", c.Ignored)
			}
		}},
		{"two http blocks", wrap("", "push_stream_subscriber; push_stream_channels_path $1;") + "\nhttp { server { listen 127.0.0.1:9999; } }",
			func(t *testing.T, c *Config) {
				if len(c.Notices) != 1 || !strings.Contains(c.Notices[0], "shares the channels, memory budget and http-level settings of the one in test.conf:") {
					t.Errorf("notices %q", c.Notices)
				}
			}},
		{"no push locations no shm", "http { server { location / { return 404; } } }", func(t *testing.T, c *Config) {
			if c.UsesPushStream || c.Servers[0].Locations[0].Return.Code != 404 {
				t.Errorf("%+v", c)
			}
		}},
		{"ignored once", wrap("sendfile on; proxy_buffering off; proxy_read_timeout 1s;", pubLoc+" sendfile off; proxy_pass http://x; add_header A b; keepalive_requests 200; client_body_buffer_size 1k; set $a b;"), func(t *testing.T, c *Config) {
			want := "sendfile,proxy_buffering,proxy_read_timeout,proxy_pass,add_header,keepalive_requests,client_body_buffer_size,set"
			if got := strings.Join(c.Ignored, ","); got != want {
				t.Errorf("ignored %q", got)
			}
		}},
		{"shm rounding and zone", "http { push_stream_shared_memory_size 131073 myzone; }", func(t *testing.T, c *Config) {
			if c.Global.SharedMemorySize != 135168 || c.Global.ZoneName != "myzone" {
				t.Errorf("%d %q", c.Global.SharedMemorySize, c.Global.ZoneName)
			}
		}},
		{"globals", wrap(`push_stream_channel_deleted_message_text "bye"; push_stream_ping_message_text "."; push_stream_channel_inactivity_time 1m; push_stream_timeout_with_body on; push_stream_events_channel_id ev; push_stream_broker "redis://h:1/0"; push_stream_max_number_of_channels 5;`, pubLoc), func(t *testing.T, c *Config) {
			g := c.Global
			if g.ChannelDeletedMessageText != "bye" || g.PingMessageText != "." || g.ChannelInactivityTime != time.Minute ||
				!g.TimeoutWithBody || g.EventsChannelID != "ev" || g.Broker != "redis://h:1/0" || g.MaxNumberOfChannels != 5 {
				t.Errorf("%+v", g)
			}
		}},
		{"global defaults", wrap("", pubLoc), func(t *testing.T, c *Config) {
			g := c.Global
			if g.ChannelDeletedMessageText != "Channel deleted" || g.PingMessageText != " " || g.MessageTTL != 30*time.Minute ||
				g.ChannelInactivityTime != 30*time.Second || g.ZoneName != "push_stream_module" {
				t.Errorf("%+v", g)
			}
			s := c.Servers[0].Locations[0].Settings
			if !s.ChannelInfoOnPublish || s.MessageTemplate != "~text~" || s.DefaultType != "text/plain" ||
				s.ClientMaxBodySize != 1<<20 || s.Gzip.MinLength != 20 || s.Gzip.HTTPVersion != "1.1" || s.Types != nil {
				t.Errorf("%+v", s)
			}
			if c.Servers[0].KeepaliveTimeout != 75*time.Second {
				t.Errorf("keepalive %v", c.Servers[0].KeepaliveTimeout)
			}
		}},
		{"escapes", wrap(`push_stream_message_template "{\"id\":~id~}\r\n"; push_stream_footer_template 'a\\nb\d';`, pubLoc), func(t *testing.T, c *Config) {
			s := c.Servers[0].Locations[0].Settings
			if s.MessageTemplate != "{\"id\":~id~}\r\n" || s.FooterTemplate != `a\nb\d` {
				t.Errorf("%q %q", s.MessageTemplate, s.FooterTemplate)
			}
		}},
		{"header template file", wrap(`push_stream_header_template_file "testdata/header.txt";`, pubLoc), func(t *testing.T, c *Config) {
			if h := c.Servers[0].Locations[0].Settings.HeaderTemplate; h != "line one\r\nline \"two\"\n" {
				t.Errorf("%q", h)
			}
		}},
		{"padding", wrap(`push_stream_padding_by_user_agent "[T|t]est 1,0,508:Other,1024,20";`, pubLoc), func(t *testing.T, c *Config) {
			r := c.Servers[0].Locations[0].Settings.PaddingByUserAgent
			if len(r) != 2 || r[0].UserAgent.String() != "[T|t]est 1" || r[0].Header != 0 || r[0].Message != 508 ||
				r[1].UserAgent.String() != "Other" || r[1].Header != 1024 || c.Global.PaddingMax != 1024 {
				t.Errorf("%+v max=%d", r, c.Global.PaddingMax)
			}
		}},
		{"types and gzip", wrap("types { text/html html htm; image/png PNG; } gzip on; gzip_types application/json; gzip_vary on; gzip_comp_level 9; gzip_min_length 1k; gzip_http_version 1.0;", pubLoc), func(t *testing.T, c *Config) {
			s := c.Servers[0].Locations[0].Settings
			if s.Types["htm"] != "text/html" || s.Types["png"] != "image/png" {
				t.Errorf("types %v", s.Types)
			}
			gz := s.Gzip
			if !gz.On || !gz.Vary || gz.CompLevel != 9 || gz.MinLength != 1024 || gz.HTTPVersion != "1.0" ||
				strings.Join(gz.Types, ",") != "application/json,text/html" {
				t.Errorf("%+v", gz)
			}
		}},
		{"listen forms", "http { server { listen 127.0.0.1:80; listen [::]:8080 default_server ipv6only=on; listen 9990 reuseport; listen *:81; listen localhost; server_name A.example.com b; } }", func(t *testing.T, c *Config) {
			s := c.Servers[0]
			want := []Listen{{"127.0.0.1:80", false}, {"[::]:8080", true}, {"0.0.0.0:9990", false}, {"0.0.0.0:81", false}, {"localhost:80", false}}
			for i, w := range want {
				if s.Listens[i] != w {
					t.Errorf("listen %d = %+v want %+v", i, s.Listens[i], w)
				}
			}
			if strings.Join(s.ServerNames, ",") != "a.example.com,b" {
				t.Errorf("names %q", s.ServerNames)
			}
		}},
		{"location kinds", "http { server { location = /a {} location ^~ /b {} location ~* \\.JPG$ {} location ~ ^/c/(.*) {} location /d {} location =/e {} } }", func(t *testing.T, c *Config) {
			ls := c.Servers[0].Locations
			kinds := []MatchKind{MatchExact, MatchPrefixNoRegex, MatchRegexCaseless, MatchRegex, MatchPrefix, MatchExact}
			for i, k := range kinds {
				if ls[i].Match != k {
					t.Errorf("location %d kind %v want %v", i, ls[i].Match, k)
				}
			}
			if !ls[2].Regexp.MatchString("/x.jpg") || ls[5].Pattern != "/e" {
				t.Errorf("regex/pattern wrong")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.conf", []byte(tt.conf))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestInheritance(t *testing.T) {
	conf := `http {
  push_stream_shared_memory_size 1m;
  push_stream_max_number_of_wildcard_channels 4;
  push_stream_wildcard_channel_prefix w_;
  push_stream_store_messages on;
  push_stream_subscriber_connection_ttl 10s;
  push_stream_header_template_file testdata/header.txt;
  default_type text/a;
  server {
    push_stream_store_messages off;
    push_stream_message_template "srv";
    default_type text/b;
    keepalive_timeout 5s;
    location /a {
      push_stream_subscriber long-polling;
      push_stream_channels_path $arg_id;
      push_stream_header_template "own";
      location /a/nested {
        push_stream_longpolling_connection_ttl 3s;
        push_stream_wildcard_channel_max_qtd 2;
      }
      push_stream_ping_message_interval 500ms;
    }
    location /b {
      push_stream_publisher;
      push_stream_channels_path $arg_id;
      push_stream_subscriber_connection_ttl 7s;
    }
    location /plain { }
  }
}`
	c, err := Parse("inherit.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	if c.Servers[0].KeepaliveTimeout != 5*time.Second {
		t.Errorf("keepalive %v", c.Servers[0].KeepaliveTimeout)
	}
	ls := c.Servers[0].Locations
	if len(ls) != 4 || ls[1].Pattern != "/a/nested" {
		t.Fatalf("locations %d", len(ls))
	}
	a, nested, b, plain := ls[0].Settings, ls[1].Settings, ls[2].Settings, ls[3]
	if a.StoreMessages || a.MessageTemplate != "srv" || a.DefaultType != "text/b" || a.HeaderTemplate != "own" {
		t.Errorf("a = %+v", a)
	}
	if a.LongpollingConnTTL != 10*time.Second || a.WildcardChannelMaxQtd != 4 || a.PingMessageInterval != 500*time.Millisecond {
		t.Errorf("a defaults = %v %d %v", a.LongpollingConnTTL, a.WildcardChannelMaxQtd, a.PingMessageInterval)
	}
	if ls[1].Handler != HandlerSubscriber || ls[1].Mode != ModeLongPolling || nested.LongpollingConnTTL != 3*time.Second ||
		nested.WildcardChannelMaxQtd != 2 || nested.HeaderTemplate != "own" || nested.PingMessageInterval != 500*time.Millisecond {
		t.Errorf("nested = %+v", nested)
	}
	if b.SubscriberConnectionTTL != 7*time.Second || b.LongpollingConnTTL != 7*time.Second || b.HeaderTemplate != "line one\r\nline \"two\"\n" {
		t.Errorf("b = %+v", b)
	}
	if plain.Handler != HandlerNone || plain.Settings == nil {
		t.Errorf("plain = %+v", plain)
	}
}

type mapVars map[string]string

func (m mapVars) Var(name string) string { return m[name] }

func TestIfBlocks(t *testing.T) {
	conf := wrap("", `push_stream_subscriber; push_stream_channels_path $arg_id; push_stream_store_messages off;
	if ($arg_tests = "on") { push_stream_channels_path "test_$1"; }
	if ( $arg_qs != 'x' ) { push_stream_store_messages on; push_stream_last_event_id "$arg_eventid"; }
	if ($http_user_agent ~* "^mozilla/(\d+)") { push_stream_allow_connections_to_events_channel on; return 403 "no"; }
	if ($arg_flag) { }
	if (!-d /) { }
	if (-f /) { }
	if ($arg_a !~ ^a) { }`)
	c, err := Parse("if.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	l := c.Servers[0].Locations[0]
	if len(l.Ifs) != 7 {
		t.Fatalf("%d ifs", len(l.Ifs))
	}
	vars := mapVars{"arg_tests": "on", "1": "ch", "arg_qs": "x", "http_user_agent": "Mozilla/5.0", "arg_flag": "0", "arg_a": "b"}
	tests := []struct {
		i    int
		want bool
		caps []string
	}{
		{0, true, nil},
		{1, false, nil},
		{2, true, []string{"Mozilla/5", "5"}},
		{3, false, nil},
		{4, false, nil},
		{5, false, nil},
		{6, true, nil},
	}
	for _, tt := range tests {
		ok, caps := l.Ifs[tt.i].Cond.Eval(vars)
		if ok != tt.want || strings.Join(caps, "|") != strings.Join(tt.caps, "|") {
			t.Errorf("if %d (%s) = %v %q", tt.i, l.Ifs[tt.i].Cond.Source, ok, caps)
		}
	}
	if got := l.Ifs[0].Settings.ChannelsPath.Eval(vars); got != "test_ch" {
		t.Errorf("if 0 channels path = %q", got)
	}
	s1 := l.Ifs[1].Settings
	if !s1.StoreMessages || s1.ChannelsPath.Source != "$arg_id" || s1.LastEventID == nil {
		t.Errorf("if 1 = %+v", s1)
	}
	if l.Ifs[0].Settings.StoreMessages || l.Ifs[0].Settings.LastEventID != nil {
		t.Errorf("if blocks must not accumulate")
	}
	if r := l.Ifs[2].Return; r == nil || r.Code != 403 || r.Text != "no" || !l.Ifs[2].Settings.AllowConnectionsToEventsChannel {
		t.Errorf("if 2 = %+v", l.Ifs[2])
	}
	if vars["arg_flag"] = "1"; true {
		if ok, _ := l.Ifs[3].Cond.Eval(vars); !ok {
			t.Errorf("$arg_flag=1 should be true")
		}
	}
}

func TestComplex(t *testing.T) {
	vars := mapVars{"arg_id": "ch%201", "1": "one", "http_x_a": "H"}
	tests := []struct {
		src, want string
		err       string
	}{
		{"$arg_id", "ch%201", ""},
		{"test_$arg_id", "test_ch%201", ""},
		{"${arg_id}x", "ch%201x", ""},
		{"$1.b2/$http_x_a", "one.b2/H", ""},
		{"$10", "one0", ""},
		{"plain", "plain", ""},
		{"", "", ""},
		{"$arg_missing", "", ""},
		{"$nope", "", `unknown "nope" variable`},
		{"${arg_id", "", `the closing bracket in "arg_id" variable is missing`},
		{"a$", "", `invalid variable name in "a$"`},
		{"$http_", "", `unknown "http_" variable`},
	}
	for _, tt := range tests {
		c, err := CompileComplex(tt.src)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: err %v want %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := c.Eval(vars); got != tt.want {
			t.Errorf("%q = %q want %q", tt.src, got, tt.want)
		}
	}
}

func TestValues(t *testing.T) {
	times := []struct {
		s    string
		ms   bool
		want time.Duration
		ok   bool
	}{
		{"30", false, 30 * time.Second, true},
		{"30s", false, 30 * time.Second, true},
		{"5m", false, 5 * time.Minute, true},
		{"1h", false, time.Hour, true},
		{"1d", false, 24 * time.Hour, true},
		{"1w", false, 7 * 24 * time.Hour, true},
		{"1M", false, 30 * 24 * time.Hour, true},
		{"1y", false, 365 * 24 * time.Hour, true},
		{"1h 30m", false, 90 * time.Minute, true},
		{"1h30m", false, 90 * time.Minute, true},
		{"500ms", true, 500 * time.Millisecond, true},
		{"1s 500ms", true, 1500 * time.Millisecond, true},
		{"500ms", false, 0, false},
		{"0", false, 0, true},
		{"", false, 0, false},
		{"x", false, 0, false},
		{"5q", false, 0, false},
		{"99999999999999999999", false, 0, false},
		{"9999999999y", false, 0, false},
	}
	for _, tt := range times {
		got, ok := parseTime(tt.s, tt.ms)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseTime(%q) = %v %v", tt.s, got, ok)
		}
	}
	sizes := []struct {
		s    string
		want int64
		ok   bool
	}{
		{"10", 10, true}, {"2k", 2048, true}, {"2K", 2048, true}, {"1m", 1 << 20, true}, {"1M", 1 << 20, true},
		{"0", 0, true}, {"k", 0, false}, {"1.5m", 0, false}, {"-1", 0, false}, {"", 0, false},
	}
	for _, tt := range sizes {
		got, ok := parseSize(tt.s)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSize(%q) = %v %v", tt.s, got, ok)
		}
	}
	for _, s := range []string{"on", "ON", "On", "off", "OFF"} {
		if _, err := parseFlag("d", s); err != nil {
			t.Errorf("flag %q: %v", s, err)
		}
	}
	if _, err := parseFlag("d", "yes"); err == nil || err.Error() != `invalid value "yes" in "d" directive, it must be "on" or "off"` {
		t.Errorf("flag yes: %v", err)
	}
}

func TestLexer(t *testing.T) {
	src := "a 'b c' \"d;e\" f\\;g # comment ; {\n h\\\"i \"x\\\\ny\\ty\\q\"{}; ${arg_id}x a\"b\" $ {"
	l := newLexer("t", []byte(src))
	var got []string
	for {
		tok, err := l.next()
		if err != nil {
			t.Fatal(err)
		}
		if tok.kind == tokEOF {
			break
		}
		switch tok.kind {
		case tokWord:
			got = append(got, "<"+tok.text+">")
		case tokSemi:
			got = append(got, ";")
		case tokOpen:
			got = append(got, "{")
		case tokClose:
			got = append(got, "}")
		}
	}
	want := "<a> <b c> <d;e> <f\\;g> <h\"i> <x\\ny\ty\\q> { } ; <${arg_id}x> <a\"b\"> <$> {"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("tokens\n got %s\nwant %s", g, want)
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	must := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must("main.conf", "http {\n include conf.d/*.conf;\n include empty/*.conf;\n}\n")
	must("conf.d/a.conf", "push_stream_shared_memory_size 1m;\n")
	must("conf.d/b.conf", "server {\n listen 9990;\n location /p { include loc/pub.inc; }\n}\n")
	must("conf.d/loc/pub.inc", "push_stream_publisher;\npush_stream_channels_path $arg_id;\n")
	c, err := Load(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesPushStream || c.Global.SharedMemorySize != 1<<20 || c.Servers[0].Locations[0].Handler != HandlerPublisher {
		t.Errorf("include not spliced: %+v", c)
	}
	must("conf.d/c.conf", "\n\nbogus;\n")
	_, err = Load(filepath.Join(dir, "main.conf"))
	var ce *Error
	if !errors.As(err, &ce) || ce.File != filepath.Join(dir, "conf.d/c.conf") || ce.Line != 3 {
		t.Errorf("error position: %v", err)
	}
	must("loop.conf", "include loop.conf;")
	if _, err := Load(filepath.Join(dir, "loop.conf")); err == nil {
		t.Errorf("include loop accepted")
	}
}

func TestAcceptanceTemplate(t *testing.T) {
	c, err := Load("testdata/acceptance.conf")
	if err != nil {
		t.Fatal(err)
	}
	if c.PidFile != "/tmp/nginx-test/nginx.pid" || c.ErrorLog != "/tmp/nginx-test/logs/error-test.log" || c.ErrorLogLevel != "info" {
		t.Errorf("pid/error_log: %q %q %q", c.PidFile, c.ErrorLog, c.ErrorLogLevel)
	}
	g := c.Global
	if g.SharedMemorySize != 10<<20 || g.MessageTTL != 50*time.Minute || g.MaxChannelIDLength != 200 || g.PaddingMax != 508 {
		t.Errorf("global %+v", g)
	}
	srv := c.Servers[0]
	if srv.Listens[0].Addr != "0.0.0.0:9990" || srv.ServerNames[0] != "127.0.0.1" || srv.KeepaliveTimeout != 100*time.Second {
		t.Errorf("server %+v", srv)
	}
	pub, sub, ws := srv.Locations[1], srv.Locations[2], srv.Locations[3]
	if pub.Settings.ClientMaxBodySize != 32<<10 || !pub.Settings.StoreMessages || pub.PublisherAdmin {
		t.Errorf("pub %+v", pub.Settings)
	}
	if sub.Settings.DefaultType != "text/html" || sub.Settings.ClientMaxBodySize != 1<<10 || sub.Settings.PingMessageInterval != 10*time.Second ||
		!sub.Settings.Gzip.On || sub.Settings.Gzip.HTTPVersion != "1.0" || sub.Settings.WildcardChannelMaxQtd != 3 {
		t.Errorf("sub %+v", sub.Settings)
	}
	if !strings.HasPrefix(sub.Settings.HeaderTemplate, `<html><head><meta http-equiv="Content-Type"`) || !strings.Contains(sub.Settings.HeaderTemplate, "\r\n</head>") {
		t.Errorf("header %q", sub.Settings.HeaderTemplate)
	}
	if ws.Mode != ModeWebSocket || !ws.Settings.WebsocketAllowPublish {
		t.Errorf("ws %+v", ws)
	}
	if sub.Settings.DefaultType != "text/html" || pub.Settings.DefaultType != "application/octet-stream" {
		t.Errorf("default types")
	}
}

func TestDirectiveTableComplete(t *testing.T) {
	// Every push_stream directive of config.md §8 must be in the table.
	names := strings.Fields(`push_stream_shared_memory_size push_stream_channel_deleted_message_text
	push_stream_ping_message_text push_stream_channel_inactivity_time push_stream_message_ttl
	push_stream_timeout_with_body push_stream_max_subscribers_per_channel
	push_stream_max_messages_stored_per_channel push_stream_max_channel_id_length
	push_stream_max_number_of_channels push_stream_max_number_of_wildcard_channels
	push_stream_wildcard_channel_prefix push_stream_events_channel_id push_stream_channels_statistics
	push_stream_publisher push_stream_subscriber push_stream_channels_path push_stream_store_messages
	push_stream_channel_info_on_publish push_stream_authorized_channels_only push_stream_header_template
	push_stream_header_template_file push_stream_message_template push_stream_footer_template
	push_stream_wildcard_channel_max_qtd push_stream_ping_message_interval
	push_stream_subscriber_connection_ttl push_stream_longpolling_connection_ttl
	push_stream_websocket_allow_publish push_stream_last_received_message_time
	push_stream_last_received_message_tag push_stream_last_event_id push_stream_user_agent
	push_stream_padding_by_user_agent push_stream_allowed_origins
	push_stream_allow_connections_to_events_channel push_stream_broker`)
	ctx := map[string]string{}
	for _, d := range Directives() {
		ctx[d.Name] = d.Context
	}
	for _, n := range names {
		if ctx[n] == "" {
			t.Errorf("%s missing from the directive table", n)
		}
	}
	// Contexts of config.md §8 that the I column pins.
	for _, n := range []string{"push_stream_channels_path", "push_stream_store_messages", "push_stream_last_received_message_time",
		"push_stream_last_received_message_tag", "push_stream_last_event_id", "push_stream_allow_connections_to_events_channel"} {
		if ctx[n] != "H S L I" {
			t.Errorf("%s context %q", n, ctx[n])
		}
	}
	if ctx["push_stream_message_ttl"] != "H" || ctx["push_stream_subscriber"] != "L" || ctx["push_stream_message_template"] != "H S L" {
		t.Errorf("contexts wrong: %v", ctx)
	}
}
