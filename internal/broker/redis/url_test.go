package redis

import (
	"context"
	"testing"

	"github.com/pushstream/pushstream/internal/broker/brokertest"
)

func TestParseURL(t *testing.T) {
	t.Setenv("PS_TEST_PW", "s3cret")
	tests := []struct {
		url                                string
		kind, addrs, user, pass, master, p string
		db                                 int
		tls                                bool
	}{
		{url: "redis://127.0.0.1:6379/2", kind: "single", addrs: "127.0.0.1:6379", db: 2, p: "ps:"},
		{url: "redis://u:p@h:1/0?prefix=x:", kind: "single", addrs: "h:1", user: "u", pass: "p", p: "x:"},
		{url: "redis://:${PS_TEST_PW}@h:1/0", kind: "single", addrs: "h:1", pass: "s3cret", p: "ps:"},
		{url: "redis://h:1/0?password_env=PS_TEST_PW", kind: "single", addrs: "h:1", pass: "s3cret", p: "ps:"},
		{url: "rediss://h:1/0", kind: "single", addrs: "h:1", tls: true, p: "ps:"},
		{url: "redis-cluster://a:1,b:2,c:3", kind: "cluster", addrs: "a:1 b:2 c:3", p: "ps:"},
		{url: "redis-cluster://:pw@a:1,b:2", kind: "cluster", addrs: "a:1 b:2", pass: "pw", p: "ps:"},
		{url: "redis-sentinel://mymaster@a:26379,b:26379/1", kind: "sentinel", addrs: "a:26379 b:26379", master: "mymaster", db: 1, p: "ps:"},
		{url: "redis-sentinel://:pw@mymaster@a:26379?password_env=PS_TEST_PW", kind: "sentinel", addrs: "a:26379", master: "mymaster", pass: "s3cret", p: "ps:"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			got, err := parseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			var kind, addrs, user, pass, master string
			var db int
			var tls bool
			switch {
			case got.single != nil:
				kind, addrs, user, pass, db, tls = "single", got.single.Addr, got.single.Username, got.single.Password, got.single.DB, got.single.TLSConfig != nil
			case got.cluster != nil:
				kind, user, pass = "cluster", got.cluster.Username, got.cluster.Password
				addrs = join(got.cluster.Addrs)
			case got.sentinel != nil:
				kind, user, pass, master, db = "sentinel", got.sentinel.Username, got.sentinel.Password, got.sentinel.MasterName, got.sentinel.DB
				addrs = join(got.sentinel.SentinelAddrs)
			}
			if kind != tc.kind || addrs != tc.addrs || user != tc.user || pass != tc.pass || master != tc.master || db != tc.db || tls != tc.tls || got.prefix != tc.p {
				t.Fatalf("got %s %q user %q pass %q master %q db %d tls %v prefix %q", kind, addrs, user, pass, master, db, tls, got.prefix)
			}
		})
	}
	for _, bad := range []string{"memcache://h:1", "redis-sentinel://h:1", "redis://h:1/x"} {
		if _, err := parseURL(bad); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func join(s []string) string {
	out := ""
	for i, a := range s {
		if i > 0 {
			out += " "
		}
		out += a
	}
	return out
}

func TestPasswordFromEnvironment(t *testing.T) {
	r := brokertest.StartRedis(t, "--requirepass", "pw-from-env")
	t.Setenv("PS_TEST_REDIS_PW", "pw-from-env")
	b, err := New("redis://:${PS_TEST_REDIS_PW}@"+r.Addr+"/0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("ping with the password from the environment: %v", err)
	}
	bad, _ := New("redis://"+r.Addr+"/0", nil)
	defer bad.Close()
	if err := bad.Ping(context.Background()); err == nil {
		t.Fatal("ping without password succeeded")
	}
}
