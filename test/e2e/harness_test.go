// Package e2e is the black-box conformance suite: it builds the real pushstream binary, starts it with a
// generated nginx.conf (the template of spec/config.md §10) on 127.0.0.1 and speaks raw HTTP to it.
//
// This file is the shared harness used by every *_test.go file of the package.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binPath is the pushstream binary under test; buildErr is set when it could not be built.
var (
	binPath  string
	buildErr error
)

// TestMain builds ./cmd/pushstream once (or uses $PUSHSTREAM_BIN) before running the suite.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// Most tests wait on server timers, not the CPU: unless -test.parallel was given, run more of them at
	// once than the default GOMAXPROCS so the suite's wall time stays short on 2 cores.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "12")
	}
	if p := os.Getenv("PUSHSTREAM_BIN"); p != "" {
		binPath = p
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "pushstream-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binPath = filepath.Join(tmp, "pushstream")
	args := append(append([]string{"build"}, serverBuildFlags...), "-o", binPath, "./cmd/pushstream")
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("go build ./cmd/pushstream: %w\n%s", err, out)
	}
	return m.Run()
}

// moduleRoot is the repository root, two levels above this package.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "../.."
	}
	return filepath.Join(wd, "..", "..")
}

func requireBinary(t testing.TB) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("server binary unavailable: %v", buildErr)
	}
}

// ---------------------------------------------------------------------------------------------------
// Configuration

// Conf describes the configuration written for one server: the config.md §10 template plus overrides.
type Conf struct {
	// HTTP overrides http-level directives of the template; the value is written quoted (`name "value";`)
	// for push_stream_* directives and raw for nginx core ones (gzip, keepalive_requests…). A value ""
	// comments the line out, EmptyValue writes `name "";`. Unknown names are appended at http level. push_stream_store_messages and
	// push_stream_channel_info_on_publish live in `location /pub` in the template, so they are routed there.
	HTTP map[string]string
	// Pub, Sub and Stats override the directives of the template's locations (same quoting rules):
	// Pub: push_stream_channels_path, push_stream_store_messages, push_stream_channel_info_on_publish,
	// client_max_body_size, client_body_buffer_size; Sub: push_stream_channels_path, default_type;
	// Stats: push_stream_channels_path. Other names are appended inside the location.
	Pub, Sub, Stats map[string]string

	PublisherMode   string // "" => `push_stream_publisher ;`, else e.g. "admin"
	SubscriberMode  string // "" => `push_stream_subscriber ;`, else "polling", "long-polling", …
	PublisherExtra  string // raw directives appended inside `location /pub { }`
	SubscriberExtra string // raw directives appended inside `location ~ /sub/(.*)? { }`
	ExtraLocations  string // raw location blocks appended inside the server
	ExtraHTTP       string // raw directives appended at http level
	Raw             string // when set: the whole config text; {{PORT}} and {{DIR}} are replaced
}

// directive is one line of a template block: quoted values are written `name "value";`.
type directive struct {
	name, value string
	quoted      bool
}

// DefaultHeaderTemplate is the header template of the §10 template as the server sees it after unescaping.
const DefaultHeaderTemplate = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n" +
	"<meta http-equiv=\"Cache-Control\" content=\"no-store\">\r\n" +
	"<meta http-equiv=\"Cache-Control\" content=\"no-cache\">\r\n" +
	"<meta http-equiv=\"Expires\" content=\"Thu, 1 Jan 1970 00:00:00 GMT\">\r\n" +
	"<script type=\"text/javascript\">\r\nwindow.onError = null;\r\n" +
	"document.domain = '127.0.0.1';\r\nparent.PushStream.register(this);\r\n</script>\r\n</head>\r\n" +
	"<body onload=\"try { parent.PushStream.reset(this) } catch (e) {}\">"

// headerTemplateConf is DefaultHeaderTemplate written with the config escapes (\" \' \r \n).
const headerTemplateConf = `<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n` +
	`<meta http-equiv=\"Cache-Control\" content=\"no-store\">\r\n` +
	`<meta http-equiv=\"Cache-Control\" content=\"no-cache\">\r\n` +
	`<meta http-equiv=\"Expires\" content=\"Thu, 1 Jan 1970 00:00:00 GMT\">\r\n` +
	`<script type=\"text/javascript\">\r\nwindow.onError = null;\r\n` +
	`document.domain = \'127.0.0.1\';\r\nparent.PushStream.register(this);\r\n</script>\r\n</head>\r\n` +
	`<body onload=\"try { parent.PushStream.reset(this) } catch (e) {}\">`

// Default template values used by tests that assert formatted output.
const (
	DefaultMessageTemplate = "<script>p(~id~,'~channel~','~text~');</script>"
	DefaultFooterTemplate  = "</body></html>"
)

func httpDirectives() []directive {
	return []directive{
		{"default_type", "application/octet-stream", false},
		{"gzip", "off", false},
		{"gzip_buffers", "16 4k", false},
		{"gzip_proxied", "any", false},
		{"gzip_types", "text/plain text/css application/x-javascript text/xml application/xml application/xml+rss text/javascript application/json", false},
		{"gzip_comp_level", "9", false},
		{"gzip_http_version", "1.0", false},
		{"tcp_nopush", "on", false},
		{"tcp_nodelay", "on", false},
		{"keepalive_timeout", "100", false},
		{"keepalive_requests", "", false},
		{"send_timeout", "10", false},
		{"client_body_timeout", "10", false},
		{"client_header_timeout", "10", false},
		{"sendfile", "on", false},
		{"client_header_buffer_size", "1k", false},
		{"large_client_header_buffers", "2 4k", false},
		{"client_max_body_size", "1k", false},
		{"client_body_buffer_size", "1k", false},
		{"ignore_invalid_headers", "on", false},
		{"client_body_in_single_buffer", "on", false},
		{"push_stream_ping_message_interval", "10s", true},
		{"push_stream_message_template", DefaultMessageTemplate, true},
		{"push_stream_subscriber_connection_ttl", "", true},
		{"push_stream_longpolling_connection_ttl", "", true},
		{"push_stream_timeout_with_body", "off", true},
		{"push_stream_header_template", headerTemplateConf, true},
		{"push_stream_header_template_file", "", true},
		{"push_stream_message_ttl", "50m", true},
		{"push_stream_footer_template", DefaultFooterTemplate, true},
		{"push_stream_max_channel_id_length", "200", true},
		{"push_stream_max_subscribers_per_channel", "", true},
		{"push_stream_max_messages_stored_per_channel", "20", true},
		{"push_stream_max_number_of_channels", "", true},
		{"push_stream_max_number_of_wildcard_channels", "", true},
		{"push_stream_wildcard_channel_max_qtd", "3", true},
		{"push_stream_wildcard_channel_prefix", "broad_", true},
		{"push_stream_padding_by_user_agent", "", true},
		{"push_stream_authorized_channels_only", "off", true},
		{"push_stream_shared_memory_size", "10m", true},
		{"push_stream_user_agent", "", true},
		{"push_stream_allowed_origins", "", true},
		{"push_stream_last_received_message_time", "", true},
		{"push_stream_last_received_message_tag", "", true},
		{"push_stream_last_event_id", "", true},
		{"push_stream_channel_deleted_message_text", "", true},
		{"push_stream_ping_message_text", "", true},
		{"push_stream_channel_inactivity_time", "", true},
		{"push_stream_events_channel_id", "", true},
		{"push_stream_allow_connections_to_events_channel", "", true},
	}
}

func pubDirectives() []directive {
	return []directive{
		{"push_stream_channels_path", "$arg_id", true},
		{"push_stream_store_messages", "on", true},
		{"push_stream_channel_info_on_publish", "on", true},
		{"client_max_body_size", "32k", false},
		{"client_body_buffer_size", "32k", false},
	}
}

// routedToPub are HTTP keys that the template sets inside `location /pub`.
var routedToPub = map[string]bool{
	"push_stream_store_messages":          true,
	"push_stream_channel_info_on_publish": true,
}

// writeBlock renders defaults with overrides applied; override names not in defaults are appended.
func writeBlock(b *strings.Builder, indent string, defs []directive, over map[string]string) {
	seen := map[string]bool{}
	for _, d := range defs {
		seen[d.name] = true
		if v, ok := over[d.name]; ok {
			d.value = v
		}
		writeDirective(b, indent, d)
	}
	var extra []string
	for k := range over {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		writeDirective(b, indent, directive{k, over[k], strings.HasPrefix(k, "push_stream_")})
	}
}

// EmptyValue as an override value writes the directive with an empty quoted value: `name "";`.
const EmptyValue = "\x00empty"

func writeDirective(b *strings.Builder, indent string, d directive) {
	switch {
	case d.value == EmptyValue:
		fmt.Fprintf(b, "%s%s \"\";\n", indent, d.name)
	case d.value == "":
		fmt.Fprintf(b, "%s#%s \"\";\n", indent, d.name)
	case d.quoted:
		fmt.Fprintf(b, "%s%s \"%s\";\n", indent, d.name, d.value)
	default:
		fmt.Fprintf(b, "%s%s %s;\n", indent, d.name, d.value)
	}
}

// Render returns the configuration text for port and dir.
func (c Conf) Render(port int, dir string) string {
	if c.Raw != "" {
		r := strings.ReplaceAll(c.Raw, "{{PORT}}", strconv.Itoa(port))
		return strings.ReplaceAll(r, "{{DIR}}", dir)
	}
	httpOver := map[string]string{}
	pubOver := map[string]string{}
	for k, v := range c.HTTP {
		if routedToPub[k] {
			pubOver[k] = v
		} else {
			httpOver[k] = v
		}
	}
	for k, v := range c.Pub {
		pubOver[k] = v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pid %s;\nerror_log %s info;\n\n", filepath.Join(dir, "pushstream.pid"), filepath.Join(dir, "error.log"))
	fmt.Fprintf(&b, "master_process on;\ndaemon on;\nworker_processes 2;\nworker_rlimit_core 2500M;\nworking_directory %s;\ndebug_points abort;\n\n", dir)
	b.WriteString("events {\n  worker_connections 256;\n  use epoll;\n}\n\nhttp {\n")
	fmt.Fprintf(&b, "  access_log %s;\n  client_body_temp_path %s;\n", filepath.Join(dir, "access.log"), filepath.Join(dir, "client_body_temp"))
	writeBlock(&b, "  ", httpDirectives(), httpOver)
	if c.ExtraHTTP != "" {
		b.WriteString(c.ExtraHTTP + "\n")
	}
	fmt.Fprintf(&b, "\n  server {\n    listen 127.0.0.1:%d;\n    server_name 127.0.0.1;\n\n", port)

	b.WriteString("    location /channels-stats {\n      push_stream_channels_statistics;\n")
	writeBlock(&b, "      ", []directive{{"push_stream_channels_path", "$arg_id", true}}, c.Stats)
	b.WriteString("    }\n\n")

	mode := c.PublisherMode
	if mode == "normal" {
		mode = ""
	}
	fmt.Fprintf(&b, "    location /pub {\n      push_stream_publisher %s;\n", mode)
	writeBlock(&b, "      ", pubDirectives(), pubOver)
	if c.PublisherExtra != "" {
		b.WriteString(c.PublisherExtra + "\n")
	}
	b.WriteString("    }\n\n")

	smode := c.SubscriberMode
	if smode == "streaming" {
		smode = ""
	}
	fmt.Fprintf(&b, "    location ~ /sub/(.*)? {\n      push_stream_subscriber %s;\n", smode)
	writeBlock(&b, "      ", []directive{{"push_stream_channels_path", "$1", true}, {"default_type", "text/html", true}}, c.Sub)
	if c.SubscriberExtra != "" {
		b.WriteString(c.SubscriberExtra + "\n")
	}
	b.WriteString("    }\n\n")
	if c.ExtraLocations != "" {
		b.WriteString(c.ExtraLocations + "\n")
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WriteConf renders c into a fresh temp dir and returns the dir, the config path and the port written.
func WriteConf(t testing.TB, c Conf) (dir, path string, port int) {
	t.Helper()
	dir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "client_body_temp"), 0o755); err != nil {
		t.Fatalf("mkdir: %v", err)
	}
	port = freePort(t)
	path = filepath.Join(dir, "pushstream.conf")
	if err := os.WriteFile(path, []byte(c.Render(port, dir)), 0o644); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return dir, path, port
}

// ---------------------------------------------------------------------------------------------------
// Server process

// syncBuf is a goroutine-safe output sink for the child's stdout/stderr.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Server is one running pushstream process.
type Server struct {
	Port     int
	Addr     string // "127.0.0.1:PORT"
	Dir      string // temp dir holding config, pid file and logs
	ConfPath string
	PID      int

	cmd    *exec.Cmd
	stderr *syncBuf
	stdout *syncBuf
	done   chan struct{} // closed when the process has exited
	err    error         // Wait result, valid after done
}

// Start writes the configuration, starts `pushstream -c FILE` and waits until the port accepts.
// The server is stopped (SIGTERM, then SIGKILL) when the test ends.
func Start(t testing.TB, c Conf) *Server {
	t.Helper()
	requireBinary(t)
	dir, path, port := WriteConf(t, c)
	s := &Server{Port: port, Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, ConfPath: path,
		stderr: &syncBuf{}, stdout: &syncBuf{}, done: make(chan struct{})}
	s.cmd = exec.Command(binPath, "-c", path)
	s.cmd.Dir = dir
	s.cmd.Stderr = s.stderr
	s.cmd.Stdout = s.stdout
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start pushstream: %v", err)
	}
	s.PID = s.cmd.Process.Pid
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.Stop(t)
		if strings.Contains(s.stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("the server reported a data race:\n%s", s.stderr)
		}
	})

	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-s.done:
			t.Fatalf("pushstream exited during startup (%v)\nstderr:\n%s\nconfig:\n%s", s.err, s.stderr, c.Render(port, dir))
		default:
		}
		conn, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("pushstream did not listen on %s within 10s\nstderr:\n%s", s.Addr, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits for the exit, escalating to SIGKILL after 10 s. Safe to call twice.
func (s *Server) Stop(t testing.TB) {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("pushstream (pid %d) ignored SIGTERM for 10s; killed", s.PID)
	}
}

// Signal sends sig to the server process.
func (s *Server) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// WaitExit waits up to d for the process to exit and reports whether it did and its exit code.
func (s *Server) WaitExit(d time.Duration) (exited bool, code int) {
	select {
	case <-s.done:
		return true, s.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return false, -1
	}
}

// Stderr is what the server wrote to stderr so far.
func (s *Server) Stderr() string { return s.stderr.String() }

// ErrorLog returns the contents of the configured error_log file ("" if absent).
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
	return string(b)
}

// StartErr runs `pushstream -c FILE` for a configuration expected to be invalid and returns its exit code
// and stderr (error log contents appended). It fails the test when the process keeps running.
func StartErr(t testing.TB, c Conf) (exitCode int, stderr string) {
	t.Helper()
	_, path, _ := WriteConf(t, c)
	code, _, errOut := Run(t, 10*time.Second, "-c", path)
	return code, errOut
}

// CheckConf runs `pushstream -t -c FILE` and returns the exit code and combined stdout+stderr.
func CheckConf(t testing.TB, c Conf) (exitCode int, output string) {
	t.Helper()
	_, path, _ := WriteConf(t, c)
	code, out, errOut := Run(t, 10*time.Second, "-t", "-c", path)
	return code, out + errOut
}

// Run executes the binary with args and waits up to d; a process still running then is killed and the
// test fails. The error log next to a -c FILE argument is appended to stderr.
func Run(t testing.TB, d time.Duration, args ...string) (exitCode int, stdout, stderr string) {
	t.Helper()
	requireBinary(t)
	var so, se syncBuf
	cmd := exec.Command(binPath, args...)
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Start(); err != nil {
		t.Fatalf("run pushstream %v: %v", args, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("pushstream %v still running after %v (stderr: %s)", args, d, se.String())
	}
	errOut := se.String()
	for i, a := range args {
		if a == "-c" && i+1 < len(args) {
			if b, err := os.ReadFile(filepath.Join(filepath.Dir(args[i+1]), "error.log")); err == nil {
				errOut += string(b)
			}
		}
	}
	return cmd.ProcessState.ExitCode(), so.String(), errOut
}

// ---------------------------------------------------------------------------------------------------
// HTTP client

// Resp is one parsed HTTP response; RawHeader keeps the header bytes exactly as received.
type Resp struct {
	Status     int
	Proto      string // "HTTP/1.1"
	StatusLine string // "HTTP/1.1 200 OK" without CRLF
	Header     http.Header
	RawHeader  string // status line + header lines, each ending in CRLF, without the final empty line
	Body       []byte
}

// HasRawHeader reports whether the raw header contains the line "Name: value" with exactly this case.
func (r *Resp) HasRawHeader(name, value string) bool {
	return strings.Contains(r.RawHeader, "\r\n"+name+": "+value+"\r\n")
}

// Get is Header.Get (case-insensitive lookup).
func (r *Resp) Get(name string) string { return r.Header.Get(name) }

// Conn is a raw TCP client connection with per-operation deadlines. Its methods fail the test on
// unexpected errors, so use them only from the test goroutine (or the Try* variants elsewhere).
type Conn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

// Dial opens a TCP connection to the server; it is closed when the test ends.
func (s *Server) Dial(t testing.TB) *Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
}

// Close closes the connection.
func (c *Conn) Close() { c.nc.Close() }

// NetConn exposes the underlying connection (e.g. for WebSocket framing).
func (c *Conn) NetConn() net.Conn { return c.nc }

// Reader exposes the buffered reader (bytes already buffered belong to it, not to NetConn).
func (c *Conn) Reader() *bufio.Reader { return c.br }

// Drain discards everything the server sends from now on, in the background, so a subscriber that the
// test does not read never backs up (slow subscribers may be dropped by the server).
func (c *Conn) Drain() {
	_ = c.nc.SetReadDeadline(time.Time{})
	go func() { _, _ = io.Copy(io.Discard, c.br) }()
}

// Send writes b as is.
func (c *Conn) Send(b string) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.nc, b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// TrySend writes b and returns the error instead of failing.
func (c *Conn) TrySend(b string) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := io.WriteString(c.nc, b)
	return err
}

// ReadHead reads the status line and headers within d.
func (c *Conn) ReadHead(d time.Duration) *Resp {
	c.t.Helper()
	r, err := c.TryReadHead(d)
	if err != nil {
		c.t.Fatalf("read response head: %v", err)
	}
	return r
}

// TryReadHead is ReadHead returning the error.
func (c *Conn) TryReadHead(d time.Duration) (*Resp, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	var raw strings.Builder
	line, err := c.br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("status line (got %q): %w", line, err)
	}
	raw.WriteString(line)
	status := strings.TrimRight(line, "\r\n")
	parts := strings.SplitN(status, " ", 3)
	if len(parts) < 2 {
		return nil, fmt.Errorf("bad status line %q", status)
	}
	code, err := strconv.Atoi(parts[1])
	if err != nil {
		return nil, fmt.Errorf("bad status line %q: %w", status, err)
	}
	r := &Resp{Status: code, Proto: parts[0], StatusLine: status, Header: http.Header{}}
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("header line (got %q): %w", line, err)
		}
		if line == "\r\n" || line == "\n" {
			break
		}
		raw.WriteString(line)
		kv := strings.TrimRight(line, "\r\n")
		i := strings.IndexByte(kv, ':')
		if i < 0 {
			return nil, fmt.Errorf("bad header line %q", kv)
		}
		r.Header.Add(textproto.TrimString(kv[:i]), textproto.TrimString(kv[i+1:]))
	}
	r.RawHeader = raw.String()
	return r, nil
}

// ReadChunk reads exactly one HTTP/1.1 chunk and returns its data; after the last (0-size) chunk it
// returns nil, io.EOF.
func (c *Conn) ReadChunk(d time.Duration) ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	line, err := c.br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("chunk size line (got %q): %w", line, err)
	}
	sz := strings.TrimRight(line, "\r\n")
	if i := strings.IndexByte(sz, ';'); i >= 0 {
		sz = sz[:i]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(sz), 16, 64)
	if err != nil {
		return nil, fmt.Errorf("bad chunk size %q: %w", line, err)
	}
	if n == 0 {
		for { // trailer
			l, err := c.br.ReadString('\n')
			if err != nil {
				return nil, fmt.Errorf("chunk trailer: %w", err)
			}
			if l == "\r\n" || l == "\n" {
				return nil, io.EOF
			}
		}
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(c.br, buf); err != nil {
		return nil, fmt.Errorf("chunk data: %w", err)
	}
	if string(buf[n:]) != "\r\n" {
		return nil, fmt.Errorf("chunk of %d bytes not followed by CRLF: %q", n, buf[n:])
	}
	return buf[:n], nil
}

// ReadN reads exactly n bytes within d (fails the test otherwise).
func (c *Conn) ReadN(n int, d time.Duration) []byte {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, n)
	if m, err := io.ReadFull(c.br, buf); err != nil {
		c.t.Fatalf("read %d bytes: got %d (%q): %v", n, m, buf[:m], err)
	}
	return buf
}

// ReadAll reads until the peer closes or d elapses and returns what arrived.
func (c *Conn) ReadAll(d time.Duration) []byte {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	b, _ := io.ReadAll(c.br)
	return b
}

// Closed reports whether the peer closes the connection within d (data received meanwhile is dropped).
func (c *Conn) Closed(d time.Duration) bool {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c.br)
	if err == nil {
		return true // EOF
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true // reset and similar
}

// ReadResp reads a complete response (head and body framed by Content-Length, chunked encoding or
// connection close). isHead marks a response to HEAD (no body).
func (c *Conn) ReadResp(d time.Duration, isHead bool) *Resp {
	c.t.Helper()
	r, err := c.TryReadResp(d, isHead)
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	return r
}

// TryReadResp is ReadResp returning the error.
func (c *Conn) TryReadResp(d time.Duration, isHead bool) (*Resp, error) {
	r, err := c.TryReadHead(d)
	if err != nil {
		return nil, err
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	switch {
	case isHead || r.Status == 304 || r.Status == 204 || (r.Status >= 100 && r.Status < 200):
	case strings.EqualFold(r.Header.Get("Transfer-Encoding"), "chunked"):
		var body []byte
		for {
			chunk, err := c.ReadChunk(d)
			if err == io.EOF {
				break
			}
			if err != nil {
				return r, fmt.Errorf("chunked body: %w", err)
			}
			body = append(body, chunk...)
		}
		r.Body = body
	case r.Header.Get("Content-Length") != "":
		n, err := strconv.Atoi(r.Header.Get("Content-Length"))
		if err != nil {
			return r, fmt.Errorf("bad Content-Length: %w", err)
		}
		r.Body = make([]byte, n)
		if m, err := io.ReadFull(c.br, r.Body); err != nil {
			return r, fmt.Errorf("body: %d of %d bytes: %w", m, n, err)
		}
	default:
		b, err := io.ReadAll(c.br)
		r.Body = b
		if err != nil {
			return r, fmt.Errorf("body until close: %w", err)
		}
	}
	return r, nil
}

// BuildRequest renders an HTTP/1.1 request. Host defaults to 127.0.0.1; Content-Length is added when body
// is non-nil or the method is POST/PUT (unless hdr sets it or Transfer-Encoding).
func BuildRequest(method, path string, body []byte, hdr map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, path)
	has := func(name string) bool {
		for k := range hdr {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
	if !has("Host") {
		b.WriteString("Host: 127.0.0.1\r\n")
	}
	keys := make([]string, 0, len(hdr))
	for k := range hdr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\r\n", k, hdr[k])
	}
	if (body != nil || method == "POST" || method == "PUT") && !has("Content-Length") && !has("Transfer-Encoding") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.String()
}

// Do sends one request on a new connection and reads the complete response (10 s deadline).
func (s *Server) Do(t testing.TB, method, path string, body []byte, hdr map[string]string) *Resp {
	t.Helper()
	c := s.Dial(t)
	defer c.Close()
	c.Send(BuildRequest(method, path, body, hdr))
	return c.ReadResp(10*time.Second, method == "HEAD")
}

// DoRaw sends raw request bytes on a new connection and reads one complete response.
func (s *Server) DoRaw(t testing.TB, raw string) *Resp {
	t.Helper()
	c := s.Dial(t)
	defer c.Close()
	c.Send(raw)
	return c.ReadResp(10*time.Second, strings.HasPrefix(raw, "HEAD "))
}

// Publish POSTs body to /pub?id=ch.
func (s *Server) Publish(t testing.TB, ch string, body string, hdr map[string]string) *Resp {
	t.Helper()
	return s.Do(t, "POST", "/pub?id="+ch, []byte(body), hdr)
}

// PublishOK publishes and fails the test unless the answer is 200.
func (s *Server) PublishOK(t testing.TB, ch string, body string) *Resp {
	t.Helper()
	r := s.Publish(t, ch, body, nil)
	if r.Status != 200 {
		t.Fatalf("publish to %q: status %d (%s), explain %q", ch, r.Status, r.StatusLine, r.Get("X-Nginx-PushStream-Explain"))
	}
	return r
}

// Stats GETs /channels-stats?id=id as JSON and decodes it; a non-200 answer fails the test.
func (s *Server) Stats(t testing.TB, id string) map[string]any {
	t.Helper()
	r := s.Do(t, "GET", "/channels-stats?id="+id, nil, map[string]string{"Accept": "application/json"})
	if r.Status != 200 {
		t.Fatalf("stats %q: status %d", id, r.Status)
	}
	m := map[string]any{}
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("stats %q: bad JSON %q: %v", id, r.Body, err)
	}
	return m
}

// Num returns m[key] as an int (JSON numbers and numeric strings); it fails the test otherwise.
func Num(t testing.TB, m map[string]any, key string) int {
	t.Helper()
	switch v := m[key].(type) {
	case float64:
		return int(v)
	case string:
		n, err := strconv.Atoi(v)
		if err == nil {
			return n
		}
	}
	t.Fatalf("key %q: not a number in %v", key, m)
	return 0
}

// Infos returns the "infos" array of a group document.
func Infos(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	arr, ok := m["infos"].([]any)
	if !ok {
		t.Fatalf("no infos array in %v", m)
	}
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		mm, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("infos entry not an object: %v", e)
		}
		out = append(out, mm)
	}
	return out
}

// Eventually polls cond every 25 ms until it returns true or d elapses, then fails the test.
func Eventually(t testing.TB, d time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			msg := "condition not met"
			if len(msgAndArgs) > 0 {
				if f, ok := msgAndArgs[0].(string); ok {
					msg = fmt.Sprintf(f, msgAndArgs[1:]...)
				}
			}
			t.Fatalf("after %v: %s", d, msg)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// OpenStream sends `GET path` on a new connection and reads the response head (5 s). Use it for
// streaming-style subscribers; read the pieces with ReadChunk.
func (s *Server) OpenStream(t testing.TB, path string, hdr map[string]string) (*Conn, *Resp) {
	t.Helper()
	c := s.Dial(t)
	c.Send(BuildRequest("GET", path, nil, hdr))
	return c, c.ReadHead(5 * time.Second)
}

// TestHarnessSelf checks the raw client against a canned server (no pushstream needed).
func TestHarnessSelf(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const canned = "HTTP/1.1 200 OK\r\nX-Nginx-PushStream-Explain: a\r\nContent-Length: 3\r\n\r\nabc" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n3;x=y\r\nyou\r\n0\r\n\r\n" +
		"HTTP/1.1 304 Not Modified\r\nEtag: W/1\r\n\r\n" +
		"HTTP/1.0 200 OK\r\n\r\nuntil close"
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 1)
		_, _ = c.Read(buf)
		_, _ = io.WriteString(c, canned)
	}()
	s := &Server{Addr: l.Addr().String()}
	c := s.Dial(t)
	c.Send("x")
	r := c.ReadResp(time.Second, false)
	if r.Status != 200 || string(r.Body) != "abc" || !r.HasRawHeader("X-Nginx-PushStream-Explain", "a") || r.HasRawHeader("X-Nginx-Pushstream-Explain", "a") {
		t.Errorf("CL response %+v", r)
	}
	if r = c.ReadResp(time.Second, false); string(r.Body) != "hiyou" {
		t.Errorf("chunked body %q", r.Body)
	}
	if r = c.ReadResp(time.Second, false); r.Status != 304 || r.Get("ETag") != "W/1" || len(r.Body) != 0 {
		t.Errorf("304 %+v", r)
	}
	if r = c.ReadResp(time.Second, false); r.Proto != "HTTP/1.0" || string(r.Body) != "until close" {
		t.Errorf("close-delimited %+v", r)
	}
	if !c.Closed(time.Second) {
		t.Errorf("Closed() = false after EOF")
	}
	// Rendering: overrides, comments and routing to /pub.
	conf := Conf{HTTP: map[string]string{"push_stream_store_messages": "off", "gzip": "on", "push_stream_allowed_origins": EmptyValue, "x_extra": "1"}}.Render(1, "/d")
	for _, want := range []string{"\n  gzip on;\n", "\n  push_stream_allowed_origins \"\";\n", "\n  #push_stream_events_channel_id \"\";\n",
		"\n      push_stream_store_messages \"off\";\n", "\n  x_extra 1;\n", "listen 127.0.0.1:1;", "push_stream_publisher ;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("rendered config lacks %q", want)
		}
	}
}
