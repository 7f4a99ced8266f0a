package redis

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// IsURL reports whether spec names a Redis broker (as opposed to "memory").
func IsURL(spec string) bool {
	for _, s := range []string{"redis://", "rediss://", "redis-cluster://", "rediss-cluster://", "redis-sentinel://"} {
		if strings.HasPrefix(spec, s) {
			return true
		}
	}
	return false
}

// target is a parsed broker URL.
type target struct {
	single   *goredis.Options
	cluster  *goredis.ClusterOptions
	sentinel *goredis.FailoverOptions
	prefix   string
}

// parseURL parses the push_stream_broker value. ${NAME} is replaced by the
// environment variable NAME (so a password need not be in the file), and
// the query parameters password_env=NAME and prefix=P are understood on
// every form.
func parseURL(spec string) (*target, error) {
	spec = os.Expand(spec, os.Getenv)
	raw, query, _ := strings.Cut(spec, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("broker url: %w", err)
	}
	t := &target{prefix: "ps:"}
	if p := q.Get("prefix"); p != "" {
		t.prefix = p
	}
	password, hasPassword := "", false
	if name := q.Get("password_env"); name != "" {
		password, hasPassword = os.Getenv(name), true
	}
	q.Del("prefix")
	q.Del("password_env")
	scheme, rest, _ := strings.Cut(raw, "://")
	switch scheme {
	case "redis", "rediss":
		u := raw
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		o, err := goredis.ParseURL(u)
		if err != nil {
			return nil, fmt.Errorf("broker url: %w", err)
		}
		if hasPassword {
			o.Password = password
		}
		t.single = o
	case "redis-cluster", "rediss-cluster":
		user, pass, hosts := splitCreds(rest)
		hosts, _, _ = strings.Cut(hosts, "/")
		if hasPassword {
			pass = password
		}
		o := &goredis.ClusterOptions{Addrs: splitHosts(hosts), Username: user, Password: pass}
		if scheme == "rediss-cluster" {
			o.TLSConfig = tlsConfig()
		}
		t.cluster = o
	case "redis-sentinel":
		user, pass, rest := splitCreds(rest)
		master, hosts, ok := strings.Cut(rest, "@")
		if !ok {
			return nil, fmt.Errorf("broker url %q: want redis-sentinel://MASTER@HOST:PORT,…", raw)
		}
		hosts, db, _ := strings.Cut(hosts, "/")
		if hasPassword {
			pass = password
		}
		o := &goredis.FailoverOptions{MasterName: master, SentinelAddrs: splitHosts(hosts), Username: user, Password: pass}
		if db != "" {
			if o.DB, err = strconv.Atoi(db); err != nil {
				return nil, fmt.Errorf("broker url %q: bad database %q", raw, db)
			}
		}
		t.sentinel = o
	default:
		return nil, fmt.Errorf("broker url %q: unknown scheme", raw)
	}
	return t, nil
}

// splitCreds cuts "user:pass@" off rest when rest has two '@' (sentinel)
// or one '@' followed by hosts (cluster).
func splitCreds(rest string) (user, pass, remain string) {
	i := strings.LastIndex(rest, "@")
	if i < 0 {
		return "", "", rest
	}
	creds, remain := rest[:i], rest[i+1:]
	if j := strings.Index(creds, "@"); j >= 0 { // sentinel: creds@master@hosts
		remain = creds[j+1:] + "@" + remain
		creds = creds[:j]
	} else if !strings.Contains(creds, ":") && strings.Contains(remain, ":") && !strings.Contains(rest[:i], ":") {
		// "master@host:port" (sentinel without credentials)
		return "", "", rest
	}
	user, pass, _ = strings.Cut(creds, ":")
	user, _ = url.PathUnescape(user)
	pass, _ = url.PathUnescape(pass)
	return user, pass, remain
}

func splitHosts(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}
