package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Subscriber authorization: JWT (HS256, RS256) and the HTTP callback.

const authHS = "e2e-hs256-secret-0123456789abcdef"

func hsToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(authHS))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authPoll polls path (with .b1 backtrack on the channels) and returns the answer.
func authPoll(t *testing.T, s *Server, path string, hdr map[string]string) *Resp {
	t.Helper()
	return s.Do(t, "GET", path, nil, hdr)
}

func TestAuthSubscriberJWT(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{SubscriberMode: "polling", HTTP: map[string]string{"push_stream_events_channel_id": "events"},
		SubscriberExtra: "push_stream_auth_jwt hs256 " + authHS + ";\npush_stream_allow_connections_to_events_channel on;"})
	s.PublishOK(t, "news", "breaking")
	s.PublishOK(t, "room_7", "hi")

	tok := hsToken(t, jwt.MapClaims{"sub": "u1", "channels": []string{"news", "room_*"}})
	tests := []struct {
		name    string
		path    string
		hdr     map[string]string
		status  int
		explain string
	}{
		{"bearer header", "/sub/news.b1", bearer(tok), 200, ""},
		{"query argument", "/sub/news.b1/room_7.b1?token=" + tok, nil, 200, ""},
		{"missing token", "/sub/news.b1", nil, 401, "Authentication required."},
		{"wrong channel", "/sub/news.b1/other.b1", bearer(tok), 403, "Not authorized to subscribe to channel other."},
		{"expired", "/sub/news.b1", bearer(hsToken(t, jwt.MapClaims{"channels": []string{"news"}, "exp": time.Now().Add(-time.Minute).Unix()})), 401, "Invalid token: expired."},
		{"no expiry", "/sub/news.b1", bearer(func() string {
			v, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"channels": []string{"news"}}).SignedString([]byte(authHS))
			return v
		}()), 401, "Invalid token: no expiry (exp)."},
		{"other secret", "/sub/news.b1", bearer(func() string {
			v, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"channels": []string{"news"}, "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("not-the-server-secret-at-all!!"))
			return v
		}()), 401, "Invalid token: bad signature."},
		{"garbage", "/sub/news.b1", bearer("abc"), 401, "Invalid token: malformed."},
		{"wide pattern does not open events", "/sub/events", bearer(hsToken(t, jwt.MapClaims{"channels": []string{"*"}})), 403, "Not authorized to subscribe to channel events."},
		{"events listed exactly", "/sub/events.b1", bearer(hsToken(t, jwt.MapClaims{"channels": []string{"events"}})), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := authPoll(t, s, tt.path, tt.hdr)
			if tt.status != 200 {
				assertHeaderOnly(t, r, tt.status, tt.explain)
				if tt.status == 401 && !strings.HasPrefix(r.Get("WWW-Authenticate"), `Bearer realm="pushstream"`) {
					t.Errorf("WWW-Authenticate %q", r.Get("WWW-Authenticate"))
				}
				return
			}
			if r.Status != 200 || len(r.Body) == 0 {
				t.Fatalf("status %d body %q explain %q", r.Status, r.Body, r.Get("X-Nginx-PushStream-Explain"))
			}
		})
	}
	// A refused subscriber created nothing.
	if r := s.Do(t, "GET", "/channels-stats?id=other", nil, nil); r.Status != 404 {
		t.Errorf("channel 'other' exists after a refused subscription: %d", r.Status)
	}
}

// TestAuthSubscriberIssuerAudience: with an issuer and an audience
// configured, a token signed with the right key but minted for another
// service (or by another issuer) is refused.
func TestAuthSubscriberIssuerAudience(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{SubscriberMode: "polling",
		SubscriberExtra: "push_stream_auth_jwt hs256 " + authHS + ";\npush_stream_auth_jwt_issuer https://id.example;\npush_stream_auth_jwt_audience pushstream;"})
	s.PublishOK(t, "news", "breaking")
	claims := func(iss, aud any) jwt.MapClaims {
		c := jwt.MapClaims{"channels": []string{"news"}}
		if iss != nil {
			c["iss"] = iss
		}
		if aud != nil {
			c["aud"] = aud
		}
		return c
	}
	tests := []struct {
		name    string
		claims  jwt.MapClaims
		status  int
		explain string
	}{
		{"issuer and audience", claims("https://id.example", "pushstream"), 200, ""},
		{"audience among others", claims("https://id.example", []string{"billing", "pushstream"}), 200, ""},
		{"other audience", claims("https://id.example", "billing"), 401, "Invalid token: wrong audience (aud)."},
		{"no audience", claims("https://id.example", nil), 401, "Invalid token: no audience (aud)."},
		{"other issuer", claims("https://evil.example", "pushstream"), 401, "Invalid token: wrong issuer (iss)."},
		{"no issuer", claims(nil, "pushstream"), 401, "Invalid token: no issuer (iss)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := authPoll(t, s, "/sub/news.b1", bearer(hsToken(t, tt.claims)))
			if tt.status != 200 {
				assertHeaderOnly(t, r, tt.status, tt.explain)
				return
			}
			if r.Status != 200 || !strings.Contains(string(r.Body), "breaking") {
				t.Fatalf("status %d body %q explain %q", r.Status, r.Body, r.Get("X-Nginx-PushStream-Explain"))
			}
		})
	}
}

func TestAuthSubscriberRS256(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemPath := filepath.Join(t.TempDir(), "jwt-public.pem")
	if err := os.WriteFile(pemPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Start(t, Conf{SubscriberMode: "polling", SubscriberExtra: "push_stream_auth_jwt rs256 " + pemPath + ";\npush_stream_auth_jwt_token $http_x_token;"})
	s.PublishOK(t, "ch1", "m")
	rs := func(k *rsa.PrivateKey, ch string) string {
		v, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"channels": []string{ch}, "exp": time.Now().Add(time.Minute).Unix()}).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if r := s.Do(t, "GET", "/sub/ch1.b1", nil, map[string]string{"X-Token": rs(key, "ch1")}); r.Status != 200 {
		t.Fatalf("RS256 token refused: %d %q", r.Status, r.Get("X-Nginx-PushStream-Explain"))
	}
	// The configured source is the only one: a token in a Bearer header is not looked at.
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/ch1.b1", nil, bearer(rs(key, "ch1"))), 401, "Invalid credentials.")
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/ch1.b1", nil, nil), 401, "Authentication required.")
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/ch1.b1", nil, map[string]string{"X-Token": rs(other, "ch1")}), 401, "Invalid token: bad signature.")
	// An HS256 token "signed" with the public key must not pass (algorithm confusion).
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"channels": []string{"ch1"}, "exp": time.Now().Add(time.Minute).Unix()}).SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if r := s.Do(t, "GET", "/sub/ch1.b1", nil, map[string]string{"X-Token": hs}); r.Status != 401 {
		t.Fatalf("HS256 token accepted by an RS256 location: %d", r.Status)
	}
}

// authWSClose is the close frame of subscriber.md §8 step 4.
func authWSClose(status int, explain string) string {
	reason := fmt.Sprintf(`{"http_status": %d, "explain":"%s"}`, status, explain)
	return "\x88" + string(rune(len(reason)+2)) + "\x03\xF0" + reason
}

func TestAuthWebSocket(t *testing.T) {
	t.Parallel()
	c := subWSConf(nil)
	c.SubscriberExtra += "push_stream_auth_jwt hs256 " + authHS + ";\n"
	s := Start(t, c)

	t.Run("no token", func(t *testing.T) {
		ws := subWSOpen(t, s, "/sub/ch")
		subWSReplyThenClose(t, ws, authWSClose(401, "Authentication required."))
	})
	t.Run("wrong channel", func(t *testing.T) {
		ws := subWSOpen(t, s, "/sub/ch/x?token="+hsToken(t, jwt.MapClaims{"channels": []string{"ch"}}))
		subWSReplyThenClose(t, ws, authWSClose(403, "Not authorized to subscribe to channel x."))
	})
	t.Run("subscribe only: frames are not published", func(t *testing.T) {
		ws := subWSOpen(t, s, "/sub/ro?token="+hsToken(t, jwt.MapClaims{"channels": []string{"ro"}}))
		ws.Send(subWSText("nope"))
		subWSQuiet(t, ws) // the ping is answered: the frame was read, and nothing was echoed
		if n := subPublished(t, s, "ro"); n != 0 {
			t.Fatalf("published_messages = %d, want 0", n)
		}
		s.PublishOK(t, "ro", "from publisher")
		subWSExpect(t, ws, subWSServerFrame(1, "from publisher"))
	})
	t.Run("publish right", func(t *testing.T) {
		ws := subWSOpen(t, s, "/sub/rw?token="+hsToken(t, jwt.MapClaims{"channels": []string{"rw"}, "publish": true}))
		ws.Send(subWSText("hello"))
		subWSExpect(t, ws, subWSServerFrame(1, "hello"))
	})
}

// authApp is the application behind push_stream_auth_request.
type authApp struct {
	calls    atomic.Int32
	channels atomic.Value
	addr     string
}

func startAuthApp(t *testing.T) *authApp {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &authApp{addr: l.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.calls.Add(1)
		a.channels.Store(r.Header.Get("X-PushStream-Channels"))
		if r.Header.Get("X-Slow") != "" {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		if c, err := r.Cookie("session"); err == nil && c.Value == "good" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusForbidden)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return a
}

func TestAuthCallback(t *testing.T) {
	t.Parallel()
	app := startAuthApp(t)
	s := Start(t, Conf{SubscriberMode: "polling", SubscriberExtra: fmt.Sprintf(
		"push_stream_auth_request http://%s/auth;\npush_stream_auth_request_timeout 500ms;\npush_stream_auth_request_cache 30s;", app.addr)})
	s.PublishOK(t, "a", "msg a")
	s.PublishOK(t, "b", "msg b")
	good := map[string]string{"Cookie": "session=good"}

	r := s.Do(t, "GET", "/sub/a.b1/b.b1", nil, good)
	if r.Status != 200 || !strings.Contains(string(r.Body), "msg a") {
		t.Fatalf("allowed subscriber: %d %q", r.Status, r.Body)
	}
	if got := app.channels.Load(); got != "a/b" {
		t.Errorf("X-PushStream-Channels = %v, want a/b", got)
	}
	// The same cookie and channels are answered from the cache.
	before := app.calls.Load()
	if r := s.Do(t, "GET", "/sub/a.b1/b.b1", nil, good); r.Status != 200 {
		t.Fatalf("cached allow: %d", r.Status)
	}
	if app.calls.Load() != before {
		t.Errorf("the application was asked again within the cache ttl")
	}
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/a.b1", nil, map[string]string{"Cookie": "session=bad"}), 403,
		"Authorization refused by the application (403).")
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/a.b1", nil, nil), 403, "Authorization refused by the application (403).")

	start := time.Now()
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/c.b1", nil, map[string]string{"Cookie": "session=good", "X-Slow": "1"}), 503,
		"Authorization service unavailable.")
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("a slow application held the subscriber %v (timeout 500ms)", el)
	}
}

// TestAuthTokenExpiryEndsSubscription: a stream authorized by a token ends
// (footer and last chunk, as at its connection ttl) when the token
// expires, and a long-poll wait answers its timeout then. The token's exp
// is 3 s past, which the 5 s clock skew still accepts, so it runs out ~2 s
// after the subscription starts.
func TestAuthTokenExpiryEndsSubscription(t *testing.T) {
	t.Parallel()
	expiring := func() string {
		return hsToken(t, jwt.MapClaims{"channels": []string{"ch"}, "exp": time.Now().Add(-3 * time.Second).Unix()})
	}
	t.Run("streaming", func(t *testing.T) {
		t.Parallel()
		c := subConf("", map[string]string{"push_stream_footer_template": "F"})
		c.SubscriberExtra = "push_stream_auth_jwt hs256 " + authHS + ";"
		s := Start(t, c)
		conn := s.Dial(t)
		start := time.Now()
		conn.Send(subReq("/sub/ch", "Authorization: Bearer "+expiring()))
		subHeadOK(t, conn, "")
		subChunkWithin(t, conn, "F", 6*time.Second)
		subEnd(t, conn, time.Second)
		if el := time.Since(start); el < 500*time.Millisecond || el > 5*time.Second {
			t.Errorf("stream ended after %v, want when the token expires (~1-2 s)", el)
		}
		subWaitSubscribers(t, s, "ch", 0)
	})
	t.Run("long-polling", func(t *testing.T) {
		t.Parallel()
		c := subConf("long-polling", map[string]string{"push_stream_longpolling_connection_ttl": "30s"})
		c.SubscriberExtra = "push_stream_auth_jwt hs256 " + authHS + ";"
		s := Start(t, c)
		start := time.Now()
		r := s.Do(t, "GET", "/sub/ch", nil, map[string]string{"If-None-Match": "W/5", "Authorization": "Bearer " + expiring()})
		if el := time.Since(start); r.Status != 304 || el > 5*time.Second {
			t.Fatalf("answer %d after %v, want the 304 timeout when the token expires (~1-2 s), not the 30 s ttl", r.Status, el)
		}
	})
}
