package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// opsConf is a Raw configuration for the operations tests: a publisher, a
// streaming, an eventsource, a long-polling and a websocket location, the
// metrics and health locations, an access log, plus extra server lines
// (e.g. a TLS listen) and extra locations. {{PORT}} and {{DIR}} are the
// harness placeholders.
func opsConf(serverExtra, locations string) string {
	return `pid {{DIR}}/pushstream.pid;
error_log {{DIR}}/error.log info;
http {
  push_stream_shared_memory_size 10m;
  push_stream_message_template "~text~";
  push_stream_footer_template "FOOT";
  access_log {{DIR}}/access.log;
  server {
    listen 127.0.0.1:{{PORT}};
` + serverExtra + `
    location /pub { push_stream_publisher admin; push_stream_channels_path $arg_id; push_stream_store_messages on; }
    location ~ /sub/(.*) { push_stream_subscriber; push_stream_channels_path $1; }
    location ~ /ev/(.*) { push_stream_subscriber eventsource; push_stream_channels_path $1; }
    location ~ /lp/(.*) { push_stream_subscriber long-polling; push_stream_channels_path $1; }
    location ~ /ws/(.*) { push_stream_subscriber websocket; push_stream_channels_path $1; }
    location /channels-stats { push_stream_channels_statistics; push_stream_channels_path $arg_id; }
    location = /metrics { push_stream_metrics; }
    location = /healthz { push_stream_health live; }
    location = /readyz { push_stream_health ready; }
` + locations + `
  }
}
`
}

// opsWriteCert writes a self-signed ECDSA certificate for 127.0.0.1 and
// localhost into a new directory and returns the cert and key paths and a
// pool trusting it.
func opsWriteCert(t *testing.T) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "pushstream test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

// opsFreePort is a free 127.0.0.1 port for a second listener.
func opsFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// opsDialTLS opens a TLS connection verified against pool and wraps it in
// the harness Conn.
func opsDialTLS(t *testing.T, addr string, pool *x509.CertPool) *Conn {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	nc, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("tls dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
}

// opsMetrics scrapes /metrics and parses the text format into
// "name{labels}" -> value.
func opsMetrics(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	r := s.Do(t, "GET", "/metrics", nil, nil)
	if r.Status != 200 {
		t.Fatalf("/metrics status %d", r.Status)
	}
	if ct := r.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("/metrics Content-Type %q", ct)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(r.Body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("bad metrics line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad metrics value in %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// opsWaitLog waits until the error log contains substr.
func opsWaitLog(t *testing.T, s *Server, substr string) {
	t.Helper()
	Eventually(t, 5*time.Second, func() bool { return strings.Contains(s.ErrorLog()+s.Stderr(), substr) },
		"error log never contained %q:\n%s", substr, s.ErrorLog())
}

// opsCountLog counts the occurrences of substr in the error log.
func opsCountLog(s *Server, substr string) int {
	return strings.Count(s.ErrorLog()+s.Stderr(), substr)
}

// opsChunkUntil reads chunks until one equals want (skipping headers,
// padding and pings).
func opsChunkUntil(t *testing.T, c *Conn, want string) {
	t.Helper()
	deadline := time.Now().Add(subWait)
	var seen []string
	for time.Now().Before(deadline) {
		got, err := c.ReadChunk(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for chunk %q (saw %q): %v", want, seen, err)
		}
		if string(got) == want {
			return
		}
		seen = append(seen, string(got))
	}
	t.Fatalf("chunk %q never came (saw %q)", want, seen)
}
