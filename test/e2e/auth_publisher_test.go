package e2e

import (
	"encoding/base64"
	"os"
	"testing"
)

// Publisher and statistics authentication (push_stream_auth_token, _admin_token, _basic).

// authEnvToken is read by the server through `push_stream_auth_token env:NAME` (the child inherits
// the test's environment).
const authEnvToken = "e2e-secret-from-env"

var _ = os.Setenv("PUSHSTREAM_E2E_TOKEN", authEnvToken)

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func TestAuthPublisherBearer(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{PublisherMode: "admin",
		PublisherExtra: "push_stream_auth_token env:PUSHSTREAM_E2E_TOKEN;\npush_stream_auth_admin_token adm1n-token;"})

	r := s.Publish(t, "ch", "x", nil)
	assertHeaderOnly(t, r, 401, "Authentication required.")
	if !r.HasRawHeader("WWW-Authenticate", `Bearer realm="pushstream"`) {
		t.Errorf("no bearer challenge:\n%s", r.RawHeader)
	}
	assertHeaderOnly(t, s.Publish(t, "ch", "x", bearer("wrong")), 401, "Invalid credentials.")
	assertHeaderOnly(t, s.Publish(t, "ch", "x", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))}), 401, "Invalid credentials.")
	if r := s.Publish(t, "ch", "hello", bearer(authEnvToken)); r.Status != 200 {
		t.Fatalf("publish with the token: %d %s", r.Status, r.Get("X-Nginx-PushStream-Explain"))
	}
	if r := s.Do(t, "GET", "/pub?id=ch", nil, bearer(authEnvToken)); r.Status != 200 {
		t.Fatalf("channel info with the token: %d", r.Status)
	}
	// A valid publisher that is not an admin may not delete.
	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id=ch", nil, bearer(authEnvToken)), 403, "Not authorized to delete channels.")
	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id=ch", nil, nil), 401, "Authentication required.")
	assertHeaderOnly(t, s.Do(t, "DELETE", "/pub?id=ch", nil, bearer("adm1n-token")), 200, "Channel deleted.")
	// CORS preflights carry no credentials: they stay open.
	if r := s.Do(t, "OPTIONS", "/pub?id=ch", nil, nil); r.Status != 200 {
		t.Errorf("OPTIONS: %d", r.Status)
	}
}

func TestAuthPublisherBasic(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{PublisherExtra: `push_stream_auth_basic "alice:s3cret"; push_stream_auth_realm "news";`})
	basic := func(up string) map[string]string {
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(up))}
	}
	r := s.Publish(t, "ch", "x", nil)
	assertHeaderOnly(t, r, 401, "Authentication required.")
	if !r.HasRawHeader("WWW-Authenticate", `Basic realm="news", charset="UTF-8"`) {
		t.Errorf("no basic challenge:\n%s", r.RawHeader)
	}
	assertHeaderOnly(t, s.Publish(t, "ch", "x", basic("alice:wrong")), 401, "Invalid credentials.")
	assertHeaderOnly(t, s.Publish(t, "ch", "x", basic("bob:s3cret")), 401, "Invalid credentials.")
	if r := s.Publish(t, "ch", "x", basic("alice:s3cret")); r.Status != 200 {
		t.Fatalf("publish as alice: %d", r.Status)
	}
}

func TestAuthStatistics(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Stats: map[string]string{"push_stream_auth_token": "stats-token"}})
	assertHeaderOnly(t, s.Do(t, "GET", "/channels-stats", nil, nil), 401, "Authentication required.")
	assertHeaderOnly(t, s.Do(t, "GET", "/channels-stats?id=ALL", nil, bearer("nope")), 401, "Invalid credentials.")
	if r := s.Do(t, "GET", "/channels-stats", nil, bearer("stats-token")); r.Status != 200 || len(r.Body) == 0 {
		t.Fatalf("stats with the token: %d %q", r.Status, r.Body)
	}
	// The publisher location of this config has no authentication: it stays open.
	s.PublishOK(t, "ch", "x")
}
