package config

import (
	"strings"
	"testing"
)

func TestOpsDirectives(t *testing.T) {
	const base = "http { push_stream_shared_memory_size 1m; %s server { listen 127.0.0.1:8443 ssl http2; listen 8080; %s location = /m { push_stream_metrics; } location = /h { push_stream_health; } location = /r { push_stream_health ready; } } }"
	cases := []struct {
		name, http, server string
		err                string
		check              func(t *testing.T, c *Config)
	}{
		{name: "defaults", check: func(t *testing.T, c *Config) {
			srv := c.Servers[0]
			if !srv.SSL["127.0.0.1:8443"] || srv.SSL["0.0.0.0:8080"] || !srv.HTTP2["127.0.0.1:8443"] || srv.HTTP2["0.0.0.0:8080"] {
				t.Errorf("ssl = %v http2 = %v", srv.SSL, srv.HTTP2)
			}
			kinds := []HandlerKind{HandlerMetrics, HandlerHealthLive, HandlerHealthReady}
			for i, k := range kinds {
				if srv.Locations[i].Handler != k {
					t.Errorf("location %d handler %v want %v", i, srv.Locations[i].Handler, k)
				}
			}
			if c.Global.LogFormat != "" || srv.Settings.AccessLog != "" {
				t.Errorf("log format %q access %q", c.Global.LogFormat, srv.Settings.AccessLog)
			}
			for _, n := range c.Ignored {
				if n == "access_log" {
					t.Error("access_log still reported as ignored")
				}
			}
		}},
		{name: "tls and logs", http: "push_stream_log_format JSON; access_log /tmp/a.log main buffer=32k; ssl_protocols TLSv1.2 TLSv1.3;",
			server: "ssl_certificate c.pem; ssl_certificate_key k.pem; ssl_session_cache shared:SSL:1m;",
			check: func(t *testing.T, c *Config) {
				s := c.Servers[0].Settings
				if c.Global.LogFormat != "json" || s.AccessLog != "/tmp/a.log" || s.SSLCertificate != "c.pem" ||
					s.SSLCertificateKey != "k.pem" || strings.Join(s.SSLProtocols, " ") != "TLSv1.2 TLSv1.3" {
					t.Errorf("%q %+v", c.Global.LogFormat, s)
				}
			}},
		{name: "bad log format", http: "push_stream_log_format xml;", err: "push_stream_log_format"},
		{name: "bad protocol", http: "ssl_protocols TLSv9;", err: "TLSv9"},
		{name: "certificate in location", server: "location /x { ssl_certificate c.pem; }", err: "not allowed here"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(strings.Replace(base, "%s", c.http, 1), "%s", c.server, 1)
			cfg, err := Parse("t.conf", []byte(text))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}

func TestHealthBadValue(t *testing.T) {
	_, err := Parse("t.conf", []byte("http { push_stream_shared_memory_size 1m; server { location /h { push_stream_health sometimes; } } }"))
	if err == nil || !strings.Contains(err.Error(), "push_stream_health") {
		t.Fatalf("err = %v", err)
	}
}
