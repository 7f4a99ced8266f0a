package config

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAuthDirectives(t *testing.T) {
	t.Setenv("PS_TEST_TOKEN", "from-env")
	t.Setenv("PS_TEST_HS", "0123456789abcdef0123")
	conf := wrap(`push_stream_auth_token tok1 env:PS_TEST_TOKEN;
 push_stream_max_connections 50; push_stream_max_connections_per_ip 5;
 client_header_timeout 3s; client_body_timeout 4s; send_timeout 500ms;
 client_header_buffer_size 2k; large_client_header_buffers 2 4k;`,
		pubLoc+` push_stream_auth_basic_admin "root:env:PS_TEST_TOKEN" "bob:pw"; push_stream_auth_realm "push";
 push_stream_auth_jwt hs256 env:PS_TEST_HS; push_stream_auth_jwt_token $arg_jwt;
 push_stream_auth_jwt_issuer "https://id.example"; push_stream_auth_jwt_audience pushstream;
 push_stream_auth_request http://127.0.0.1:9/auth; push_stream_auth_request_timeout 300ms; push_stream_auth_request_cache off;
 push_stream_max_channels_per_request 3;`)
	cfg, err := Parse("test.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cfg.Ignored {
		if n == "send_timeout" || n == "client_header_timeout" || n == "large_client_header_buffers" {
			t.Errorf("%s is still ignored", n)
		}
	}
	g := cfg.Global
	if g.MaxConnections != 50 || g.MaxConnectionsPerIP != 5 {
		t.Errorf("connection caps %d %d", g.MaxConnections, g.MaxConnectionsPerIP)
	}
	s := cfg.Servers[0].Settings
	if s.ClientHeaderTimeout != 3*time.Second || s.ClientBodyTimeout != 4*time.Second || s.SendTimeout != 500*time.Millisecond ||
		s.ClientHeaderBufferSize != 2048 || s.LargeHeaderBuffers != (HeaderBuffers{Num: 2, Size: 4096}) {
		t.Errorf("server guards %+v", s)
	}
	a := cfg.Servers[0].Locations[0].Settings.Auth
	if strings.Join(a.Tokens, ",") != "tok1,from-env" {
		t.Errorf("tokens %q (inherited from http)", a.Tokens)
	}
	if len(a.BasicAdmin) != 2 || a.BasicAdmin[0] != (BasicCredential{"root", "from-env"}) || a.BasicAdmin[1] != (BasicCredential{"bob", "pw"}) {
		t.Errorf("basic admin %+v", a.BasicAdmin)
	}
	if a.Realm != "push" || a.JWT == nil || a.JWT.Alg != "HS256" || string(a.JWT.Secret) != "0123456789abcdef0123" || a.JWTToken == nil {
		t.Errorf("jwt %+v", a)
	}
	if a.JWTIssuer != "https://id.example" || a.JWTAudience != "pushstream" {
		t.Errorf("jwt issuer %q audience %q", a.JWTIssuer, a.JWTAudience)
	}
	if a.RequestURL != "http://127.0.0.1:9/auth" || a.RequestTimeout != 300*time.Millisecond || a.RequestCacheTTL != -1 {
		t.Errorf("auth request %+v", a)
	}
	if !a.Enabled() || !a.Static() {
		t.Error("auth not enabled")
	}
	if cfg.Servers[0].Locations[0].Settings.MaxChannelsPerRequest != 3 {
		t.Error("max channels per request")
	}
}

func TestAuthDirectiveErrors(t *testing.T) {
	os.Unsetenv("PS_TEST_UNSET")
	tests := []struct{ name, http, loc, msg string }{
		{"unset env", "push_stream_auth_token env:PS_TEST_UNSET;", pubLoc,
			`"push_stream_auth_token" directive: environment variable PS_TEST_UNSET is not set or empty`},
		{"empty env name", "", pubLoc + " push_stream_auth_admin_token env:;", `"push_stream_auth_admin_token" directive: missing variable name in "env:"`},
		{"basic without colon", "", pubLoc + " push_stream_auth_basic alice;", `"push_stream_auth_basic" directive: "alice" is not USER:PASSWORD`},
		{"bad alg", "", pubLoc + " push_stream_auth_jwt es256 x;", `"push_stream_auth_jwt" directive: unknown algorithm "es256", accepted values (hs256, rs256)`},
		{"short secret", "", pubLoc + " push_stream_auth_jwt hs256 short;", `"push_stream_auth_jwt" directive: an HS256 secret needs at least 16 bytes`},
		{"missing key file", "", pubLoc + " push_stream_auth_jwt rs256 /nonexistent/key.pem;", `"push_stream_auth_jwt" directive: unable to read key "/nonexistent/key.pem"`},
		{"empty issuer", "", pubLoc + ` push_stream_auth_jwt_issuer "";`, `"push_stream_auth_jwt_issuer" directive invalid value`},
		{"audience with a line break", "", pubLoc + " push_stream_auth_jwt_audience \"a\nb\";", `"push_stream_auth_jwt_audience" directive invalid value`},
		{"bad url", "", pubLoc + " push_stream_auth_request /auth;", `"push_stream_auth_request" directive: "/auth" must be an http:// or https:// URL`},
		{"bad timeout", "", pubLoc + " push_stream_auth_request_timeout 5m;", `"push_stream_auth_request_timeout" directive: the timeout must be between 1ms and 1m0s`},
		{"zero connections", "push_stream_max_connections 0;", pubLoc, "push stream module: push_stream_max_connections cannot be zero."},
		{"connections in server", "", pubLoc + " push_stream_max_connections 5;", `"push_stream_max_connections" directive is not allowed here`},
		{"bad buffers", "large_client_header_buffers 2 10;", pubLoc, `"large_client_header_buffers" directive invalid value`},
		{"buffers arity", "large_client_header_buffers 4k;", pubLoc, `invalid number of arguments in "large_client_header_buffers" directive`},
		{"zero header timeout", "client_header_timeout 0;", pubLoc, `"client_header_timeout" directive invalid value`},
		{"zero channels per request", "", pubLoc + " push_stream_max_channels_per_request 0;", "push stream module: push_stream_max_channels_per_request cannot be zero."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.conf", []byte(wrap(tt.http, tt.loc)))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err %v", err)
			}
			if !strings.HasPrefix(ce.Msg, tt.msg) || ce.Line == 0 {
				t.Fatalf("got %q at line %d, want %q", ce.Msg, ce.Line, tt.msg)
			}
		})
	}
}

func TestAuthRS256KeyFile(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pub.pem"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PS_TEST_PEM", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})))
	for _, v := range []string{"pub.pem", filepath.Join(dir, "pub.pem"), "env:PS_TEST_PEM"} {
		cfg, err := Load(writeConf(t, dir, wrap("", pubLoc+" push_stream_auth_jwt RS256 "+v+";")))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		k := cfg.Servers[0].Locations[0].Settings.Auth.JWT
		if k == nil || k.Alg != "RS256" || !k.Public.Equal(&key.PublicKey) {
			t.Fatalf("%s: key %+v", v, k)
		}
	}
	if _, err := Load(writeConf(t, dir, wrap("", pubLoc+` push_stream_auth_jwt rs256 "env:PS_TEST_TOKEN_NOPEM";`))); err == nil {
		t.Fatal("unset PEM variable accepted")
	}
}

func writeConf(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "pushstream.conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
