package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lineOf returns the 1-based line of the first line of file containing marker (0 if absent).
func lineOf(t *testing.T, path, marker string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	return 0
}

// TestConfigErrors checks every config.md §9 message through both `-t -c FILE` and `-c FILE`.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	zero := func(name string) Conf { return Conf{HTTP: map[string]string{name: "0"}} }
	cases := []struct {
		name string
		conf Conf
		msg  string
	}{
		{"ping interval zero", zero("push_stream_ping_message_interval"), "push stream module: push_stream_ping_message_interval cannot be zero."},
		{"subscriber ttl zero", zero("push_stream_subscriber_connection_ttl"), "push stream module: push_stream_subscriber_connection_ttl cannot be zero."},
		{"longpolling ttl zero", zero("push_stream_longpolling_connection_ttl"), "push stream module: push_stream_longpolling_connection_ttl cannot be zero."},
		{"id length zero", zero("push_stream_max_channel_id_length"), "push stream module: push_stream_max_channel_id_length cannot be zero."},
		{"message ttl zero", zero("push_stream_message_ttl"), "push stream module: push_stream_message_ttl cannot be zero."},
		{"max subscribers zero", zero("push_stream_max_subscribers_per_channel"), "push stream module: push_stream_max_subscribers_per_channel cannot be zero."},
		{"max stored zero", zero("push_stream_max_messages_stored_per_channel"), "push stream module: push_stream_max_messages_stored_per_channel cannot be zero."},
		{"max channels zero", zero("push_stream_max_number_of_channels"), "push stream module: push_stream_max_number_of_channels cannot be zero."},
		{"max wildcard channels zero", zero("push_stream_max_number_of_wildcard_channels"), "push stream module: push_stream_max_number_of_wildcard_channels cannot be zero."},
		{"max qtd zero", zero("push_stream_wildcard_channel_max_qtd"), "push stream module: push_stream_wildcard_channel_max_qtd cannot be zero."},
		{"blank template", Conf{HTTP: map[string]string{"push_stream_message_template": EmptyValue}}, "push stream module: push_stream_message_template cannot be blank."},
		{"max qtd without prefix", Conf{HTTP: map[string]string{"push_stream_wildcard_channel_max_qtd": "1", "push_stream_wildcard_channel_prefix": EmptyValue}},
			"cannot set wildcard channel max qtd if push_stream_wildcard_channel_prefix is not set or blank"},
		{"max qtd above max wildcard", Conf{HTTP: map[string]string{"push_stream_max_number_of_wildcard_channels": "3", "push_stream_wildcard_channel_max_qtd": "4"}},
			"max number of wildcard channels cannot be smaller than value in push_stream_wildcard_channel_max_qtd"},
		{"bad subscriber mode", Conf{SubscriberMode: "unknown"}, "invalid push_stream_subscriber mode value: unknown, accepted values (streaming, polling, long-polling, eventsource, websocket)"},
		{"bad publisher mode", Conf{PublisherMode: "unknown"}, "invalid push_stream_publisher mode value: unknown, accepted values (normal, admin)"},
		{"padding no match", Conf{HTTP: map[string]string{"push_stream_padding_by_user_agent": "user_agent,as,df"}}, "padding pattern not match the value user_agent,as,df"},
		{"padding no match semicolons", Conf{HTTP: map[string]string{"push_stream_padding_by_user_agent": "user_agent;10;0"}}, "padding pattern not match the value user_agent;10;0"},
		{"padding bad later element", Conf{HTTP: map[string]string{"push_stream_padding_by_user_agent": "user_agent,10,0:other_user_agent;20;0:another_user_agent,30,0"}},
			"error applying padding pattern to other_user_agent;20;0:another_user_agent,30,0"},
		{"no shared memory", Conf{HTTP: map[string]string{"push_stream_shared_memory_size": ""}}, "push stream module: push_stream_shared_memory_size must be set."},
		{"small shared memory", Conf{HTTP: map[string]string{"push_stream_shared_memory_size": "100k"}}, "The push_stream_shared_memory_size value must be at least 128KiB"},
		{"no channels path sub", Conf{Sub: map[string]string{"push_stream_channels_path": ""}}, "push stream module: push_stream_channels_path must be set."},
		{"no channels path pub", Conf{Pub: map[string]string{"push_stream_channels_path": ""}}, "push stream module: push_stream_channels_path must be set."},
		{"no channels path stats", Conf{Stats: map[string]string{"push_stream_channels_path": ""}}, "push stream module: push_stream_channels_path must be set."},
		{"header template file missing", Conf{HTTP: map[string]string{"push_stream_header_template": "", "push_stream_header_template_file": "/unexistent/path"}},
			`push stream module: unable to open file "/unexistent/path" for header template`},
		{"template file after template", Conf{HTTP: map[string]string{"push_stream_header_template_file": "/etc/passwd"}},
			`"push_stream_header_template_file" directive is duplicate or template set by 'push_stream_header_template'`},
		{"template after template file", Conf{HTTP: map[string]string{"push_stream_header_template": ""},
			ExtraHTTP: "  push_stream_header_template_file \"/etc/passwd\";\n  push_stream_header_template \"x\";"},
			`"push_stream_header_template" directive is duplicate`},
		{"unknown variable", Conf{Sub: map[string]string{"push_stream_channels_path": "$nosuchvariable"}}, `unknown "nosuchvariable" variable`},
		{"bad flag", Conf{HTTP: map[string]string{"push_stream_authorized_channels_only": "maybe"}}, `invalid value "maybe" in "push_stream_authorized_channels_only" directive, it must be "on" or "off"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out := CheckConf(t, tc.conf)
			if code != 1 || !strings.Contains(out, tc.msg) {
				t.Errorf("-t: exit %d, output lacks %q:\n%s", code, tc.msg, out)
			}
			code, out = StartErr(t, tc.conf)
			if code != 1 || !strings.Contains(out, tc.msg) {
				t.Errorf("-c: exit %d, output lacks %q:\n%s", code, tc.msg, out)
			}
		})
	}
}

// TestConfigSyntaxErrors checks the tokenizer errors of config.md §2/§3 carry `in FILE:LINE`.
func TestConfigSyntaxErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		conf   Conf
		msg    string
		marker string // a text on the line the error must point at; "" = no line check
	}{
		{"unknown directive", Conf{ExtraHTTP: "  push_stream_no_such_thing on;"}, `unknown directive "push_stream_no_such_thing"`, "push_stream_no_such_thing"},
		{"not allowed here", Conf{ExtraHTTP: "  push_stream_publisher admin;"}, `"push_stream_publisher" directive is not allowed here`, "push_stream_publisher admin;"},
		{"duplicate", Conf{PublisherExtra: "      push_stream_store_messages off;"}, `"push_stream_store_messages" directive is duplicate`, "push_stream_store_messages off;"},
		{"duplicate handler", Conf{PublisherExtra: "      push_stream_subscriber;"}, `is duplicate`, ""},
		{"arguments", Conf{ExtraHTTP: "  push_stream_message_ttl 1s 2s;"}, `invalid number of arguments in "push_stream_message_ttl" directive`, "push_stream_message_ttl 1s 2s;"},
		{"unexpected close", Conf{Raw: "pid {{DIR}}/pushstream.pid;\nerror_log {{DIR}}/error.log info;\nevents {\n}\n}\n"}, `unexpected "}"`, ""},
		{"unexpected eof", Conf{Raw: "pid {{DIR}}/pushstream.pid;\nerror_log {{DIR}}/error.log info;\nevents {\n"}, `unexpected end of file`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, path, _ := WriteConf(t, tc.conf)
			code, so, se := Run(t, 10*time.Second, "-t", "-c", path)
			out := so + se
			if code != 1 || !strings.Contains(out, tc.msg) {
				t.Fatalf("exit %d, output lacks %q:\n%s", code, tc.msg, out)
			}
			want := " in " + path
			if tc.marker != "" {
				want = fmt.Sprintf(" in %s:%d", path, lineOf(t, path, tc.marker))
			}
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
			if tc.name == "unexpected close" {
				if !strings.Contains(out, fmt.Sprintf("%s:5", path)) {
					t.Errorf("unexpected } not reported at line 5:\n%s", out)
				}
			}
		})
	}
}

// TestConfigValid checks -t accepts the template and its valid variants (exit 0).
func TestConfigValid(t *testing.T) {
	t.Parallel()
	confs := map[string]Conf{
		"template":       {},
		"sub empty mode": {SubscriberMode: ""},
		"modes upper":    {SubscriberMode: "LONG-POLLING", PublisherMode: "Admin"},
		"polling":        {SubscriberMode: "polling"},
		"eventsource":    {SubscriberMode: "eventsource"},
		"websocket":      {SubscriberMode: "websocket"},
		"normal":         {PublisherMode: "normal"},
		"sizes":          {HTTP: map[string]string{"push_stream_shared_memory_size": "128k", "push_stream_message_ttl": "1h 30m", "push_stream_ping_message_interval": "500ms"}},
	}
	for name, c := range confs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if code, out := CheckConf(t, c); code != 0 {
				t.Errorf("exit %d:\n%s", code, out)
			}
		})
	}
	// Without an http block the module is unused: a notice, not an error.
	raw := "pid {{DIR}}/pushstream.pid;\nerror_log {{DIR}}/error.log debug;\nmaster_process off;\ndaemon off;\nworker_processes 1;\nevents {\n  worker_connections 1024;\n  use epoll;\n}\n"
	code, out := CheckConf(t, Conf{Raw: raw})
	if code != 0 || !strings.Contains(out, "ngx_http_push_stream_module will not be used with this configuration.") {
		t.Errorf("no http block: exit %d:\n%s", code, out)
	}
}

// TestConfigInvalidDoesNotListen: an invalid config exits 1 without ever accepting connections.
func TestConfigInvalidDoesNotListen(t *testing.T) {
	t.Parallel()
	c := Conf{HTTP: map[string]string{"push_stream_message_ttl": "0"}}
	dir, path, port := WriteConf(t, c)
	code, _, se := Run(t, 10*time.Second, "-c", path)
	if code != 1 {
		t.Errorf("exit %d, stderr %s", code, se)
	}
	if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		conn.Close()
		t.Errorf("port %d accepts after a failed start", port)
	}
	if _, err := os.Stat(filepath.Join(dir, "pushstream.pid")); err == nil {
		t.Errorf("pid file left by a failed start")
	}
}

// TestConfigSignalStop: `-c FILE -s stop` reads the pid file and stops the server (config.md §1).
func TestConfigSignalStop(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})
	pidFile := filepath.Join(s.Dir, "pushstream.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if strings.TrimSpace(string(b)) != strconv.Itoa(s.PID) {
		t.Errorf("pid file holds %q, want %d", b, s.PID)
	}
	code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "stop")
	if code != 0 {
		t.Errorf("-s stop exit %d: %s %s", code, so, se)
	}
	if exited, _ := s.WaitExit(10 * time.Second); !exited {
		t.Fatalf("server still running after -s stop")
	}
	if _, err := os.Stat(pidFile); err == nil {
		t.Errorf("pid file not removed at exit")
	}
	// client_body_temp_path stays empty (config.md §7).
	if ents, _ := os.ReadDir(filepath.Join(s.Dir, "client_body_temp")); len(ents) != 0 {
		t.Errorf("client_body_temp not empty: %v", ents)
	}
}

// TestConfigReload: HUP keeps channels and stored messages; a changed memory size logs the warning.
func TestConfigReload(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})
	s.PublishOK(t, "ch_reload", "m1")
	conf, err := os.ReadFile(s.ConfPath)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(conf), `push_stream_shared_memory_size "10m";`, `push_stream_shared_memory_size "20m";`, 1)
	changed = strings.Replace(changed, `push_stream_store_messages "on";`, `push_stream_store_messages "off";`, 1)
	// A new location shows when the new configuration serves.
	changed = strings.Replace(changed, "    location /pub {", "    location /reloaded {\n      push_stream_channels_statistics;\n      push_stream_channels_path \"$arg_id\";\n    }\n\n    location /pub {", 1)
	if err := os.WriteFile(s.ConfPath, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "reload")
	if code != 0 {
		t.Fatalf("-s reload exit %d: %s %s", code, so, se)
	}
	const warn = "Cannot change memory area size without restart, ignoring change on zone: push_stream_module"
	Eventually(t, 5*time.Second, func() bool { return strings.Contains(s.ErrorLog()+s.Stderr(), warn) }, "reload warning not logged")
	Eventually(t, 5*time.Second, func() bool {
		return s.Do(t, "GET", "/reloaded?id=ch_reload", nil, nil).Status == 200
	}, "new configuration not serving after -s reload")
	// New requests use the new config (store off); old channel and message survive.
	if r := s.Publish(t, "ch_reload", "m2", nil); string(r.Body) != singleJSON("ch_reload", 2, 1, 0) {
		t.Errorf("publish after reload: %d %q, want the old channel with store off", r.Status, r.Body)
	}

	// An invalid config on reload keeps the old one running.
	if err := os.WriteFile(s.ConfPath, []byte(strings.Replace(changed, `push_stream_message_ttl "50m";`, `push_stream_message_ttl "0";`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Signal(t, syscall.SIGHUP)
	Eventually(t, 5*time.Second, func() bool {
		return strings.Contains(s.ErrorLog()+s.Stderr(), "push_stream_message_ttl cannot be zero")
	}, "invalid reload not logged")
	if r := s.Do(t, "GET", "/pub?id=ch_reload", nil, nil); r.Status != 200 {
		t.Errorf("server not serving after invalid reload: %d", r.Status)
	}
}

// TestConfigStopFinishesSubscribers: a stop finishes every subscriber as on its ttl (config.md §1,
// PINNED by send_signals_spec): long-polling gets 304 with Etag W/0, streaming gets its footer.
func TestConfigStopFinishesSubscribers(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"push_stream_header_template": "HEADER", "push_stream_footer_template": "FOOTER",
		"push_stream_message_ttl": "60s", "push_stream_subscriber_connection_ttl": "65s"}})
	lp := s.Dial(t)
	lp.Send(BuildRequest("GET", "/sub/ch_test_send_term_signal", nil, map[string]string{"X-Nginx-PushStream-Mode": "long-polling"}))
	st, head := s.OpenStream(t, "/sub/ch_test_send_term_signal", nil)
	if head.Status != 200 {
		t.Fatalf("streaming subscriber %d", head.Status)
	}
	if ch, err := st.ReadChunk(5 * time.Second); err != nil || string(ch) != "HEADER" {
		t.Fatalf("header chunk %q %v", ch, err)
	}
	Eventually(t, 5*time.Second, func() bool { return Num(t, s.Stats(t, ""), "subscribers") == 2 }, "subscribers not counted")
	if code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "stop"); code != 0 {
		t.Errorf("-s stop exit %d: %s %s", code, so, se)
	}
	r := lp.ReadResp(5*time.Second, false)
	if r.Status != 304 || len(r.Body) != 0 || !r.HasRawHeader("Etag", "W/0") {
		t.Errorf("long-polling on stop: %q body %q\n%s", r.StatusLine, r.Body, r.RawHeader)
	}
	if lm, err := time.Parse(time.RFC1123, r.Get("Last-Modified")); err != nil || time.Since(lm) > 3*time.Second {
		t.Errorf("Last-Modified %q (%v), want now", r.Get("Last-Modified"), err)
	}
	rest := st.ReadAll(5 * time.Second)
	if !strings.Contains(string(rest), "FOOTER") || !strings.HasSuffix(string(rest), "0\r\n\r\n") {
		t.Errorf("streaming on stop got %q, want the footer chunk and the end", rest)
	}
	if exited, _ := s.WaitExit(10 * time.Second); !exited {
		t.Errorf("server did not exit")
	}
}

// TestConfigSignalQuitReopen: `-s reopen` keeps serving, `-s quit` stops (config.md §1).
func TestConfigSignalQuitReopen(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})
	if code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "reopen"); code != 0 {
		t.Errorf("-s reopen exit %d: %s %s", code, so, se)
	}
	s.PublishOK(t, "ch_reopen", "x")
	if exited, _ := s.WaitExit(500 * time.Millisecond); exited {
		t.Fatalf("server exited on reopen")
	}
	if code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "quit"); code != 0 {
		t.Errorf("-s quit exit %d: %s %s", code, so, se)
	}
	if exited, _ := s.WaitExit(10 * time.Second); !exited {
		t.Errorf("server still running after -s quit")
	}
}
