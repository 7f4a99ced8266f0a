package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/config"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func testConfig(t *testing.T, extra string) (*config.Config, string) {
	t.Helper()
	addr := freeAddr(t)
	dir := t.TempDir()
	text := fmt.Sprintf(`error_log %s/error.log;
http {
  push_stream_shared_memory_size 1m;
  %s
  server {
    listen %s;
    location = /readyz { push_stream_health ready; }
    location /pub { push_stream_publisher; push_stream_channels_path $arg_id; }
  }
}
`, dir, extra, addr)
	cfg, err := config.Parse(filepath.Join(dir, "test.conf"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, addr
}

func get(t *testing.T, addr, path string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	return r.StatusCode
}

func TestReadyFollowsLifecycle(t *testing.T) {
	cfg, addr := testConfig(t, "")
	s, err := Start(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Ready() {
		t.Error("not ready after Start")
	}
	if code := get(t, addr, "/readyz"); code != 200 {
		t.Errorf("/readyz = %d", code)
	}
	s.Stop()
	if s.Ready() {
		t.Error("ready after Stop")
	}
}

func TestStartRefusesBadCertificate(t *testing.T) {
	cfg, _ := testConfig(t, "")
	cfg.Servers[0].SSL = map[string]bool{cfg.Servers[0].Listens[0].Addr: true}
	cfg.Servers[0].Settings.SSLCertificate = "/nonexistent/cert.pem"
	cfg.Servers[0].Settings.SSLCertificateKey = "/nonexistent/key.pem"
	if _, err := Start(cfg, ""); err == nil || !strings.Contains(err.Error(), "cannot load certificate") {
		t.Fatalf("Start = %v", err)
	}
}

func TestParseLevel(t *testing.T) {
	for _, c := range []struct {
		in   string
		want slog.Level
		ok   bool
	}{
		{"", slog.LevelInfo, true}, {"notice", slog.LevelInfo, true}, {"debug", slog.LevelDebug, true},
		{"warn", slog.LevelWarn, true}, {"crit", slog.LevelError, true}, {"loud", 0, false},
	} {
		got, err := parseLevel(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseLevel(%q) = %v, %v", c.in, got, err)
		}
	}
}

func TestProtocolRange(t *testing.T) {
	for _, c := range []struct {
		in       []string
		min, max uint16
	}{
		{nil, 0x0303, 0x0304},
		{[]string{"TLSv1.3"}, 0x0304, 0x0304},
		{[]string{"TLSv1", "TLSv1.2"}, 0x0301, 0x0303},
	} {
		lo, hi := protocolRange(c.in)
		if lo != c.min || hi != c.max {
			t.Errorf("protocolRange(%v) = %x %x", c.in, lo, hi)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       "plain",
		`a "b" \c`:    `a \x22b\x22 \x5Cc`,
		"line\r\nend": `line\x0D\x0Aend`,
	} {
		if got := string(appendEscaped(nil, in)); got != want {
			t.Errorf("appendEscaped(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccessLogReuseAcrossReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	cfg, _ := testConfig(t, "access_log "+path+";")
	a, err := buildAccessLogs(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := buildAccessLogs(cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	if a.files[path] != b.files[path] {
		t.Error("a reload reopened an unchanged access log")
	}
	off, _ := testConfig(t, "access_log off;")
	c, err := buildAccessLogs(off, b)
	if err != nil {
		t.Fatal(err)
	}
	b.closeUnused(c)
	if b.files[path].f != nil {
		t.Error("access log no longer used was not closed")
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}
