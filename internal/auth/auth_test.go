package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pushstream/pushstream/internal/config"
)

const hsSecret = "0123456789abcdef0123456789abcdef"

// sign makes an HS256 token with claims c (exp one hour ahead unless set).
func sign(t testing.TB, c jwt.MapClaims) string {
	t.Helper()
	if _, ok := c["exp"]; !ok {
		c["exp"] = time.Now().Add(time.Hour).Unix()
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(hsSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func request(authz string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://x/sub/a", nil)
	r.RequestURI = "/sub/a"
	r.RemoteAddr = "127.0.0.1:5555"
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	return r
}

func TestPatterns(t *testing.T) {
	p := Patterns{"ch1", "room_*", "ev"}
	tests := []struct {
		id     string
		events bool
		want   bool
	}{
		{"ch1", false, true},
		{"ch2", false, false},
		{"room_", false, true},
		{"room_42", false, true},
		{"roo", false, false},
		{"ev", true, true},       // listed exactly
		{"room_ev", true, false}, // events channel never by pattern
	}
	for _, tt := range tests {
		if got := p.Match(tt.id, tt.events); got != tt.want {
			t.Errorf("Match(%q, %v) = %v, want %v", tt.id, tt.events, got, tt.want)
		}
	}
	if !(Patterns{"*"}).Match("anything", false) || (Patterns{"*"}).Match("events", true) {
		t.Error(`"*" must match every channel but the events channel`)
	}
}

func TestStatic(t *testing.T) {
	s := NewStatic(&config.Auth{
		Tokens:      []string{"pub-secret"},
		AdminTokens: []string{"admin-secret"},
		Basic:       []config.BasicCredential{{User: "alice", Password: "pw"}},
	})
	basic := func(up string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(up)) }
	tests := []struct {
		name, authz string
		ok, admin   bool
	}{
		{"bearer", "Bearer pub-secret", true, false},
		{"bearer case", "bearer pub-secret", true, false},
		{"admin bearer", "Bearer admin-secret", true, true},
		{"wrong bearer", "Bearer pub-secre", false, false},
		{"prefix of secret", "Bearer pub", false, false},
		{"basic", basic("alice:pw"), true, false},
		{"basic wrong password", basic("alice:px"), false, false},
		{"basic bad base64", "Basic !!!", false, false},
		{"token as basic", basic("pub-secret"), false, false},
		{"empty", "", false, false},
		{"scheme only", "Bearer", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := s.Match(tt.authz)
			if (id != nil) != tt.ok {
				t.Fatalf("Match(%q) = %v, want ok=%v", tt.authz, id, tt.ok)
			}
			if id != nil && (id.Admin != tt.admin || !id.All) {
				t.Errorf("identity %+v", id)
			}
		})
	}
}

func TestParseClaims(t *testing.T) {
	tests := []struct {
		in      string
		sub     Patterns
		pub     Patterns
		admin   bool
		wantErr bool
	}{
		{`{"channels":["a","b_*"],"publish":true}`, Patterns{"a", "b_*"}, Patterns{"a", "b_*"}, false, false},
		{`{"channels":["a"],"publish":["x*"]}`, Patterns{"a"}, Patterns{"x*"}, false, false},
		{`{"channels":"a","publish":false,"admin":true}`, Patterns{"a"}, nil, true, false},
		{`{"channels":null,"publish":null}`, nil, nil, false, false},
		{`{"channels":[1]}`, nil, nil, false, true},
		{`{"publish":3}`, nil, nil, false, true},
		{`{"publish":{"a":1}}`, nil, nil, false, true},
		{`[]`, nil, nil, false, true},
	}
	for _, tt := range tests {
		c, err := ParseClaims([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Fatalf("%s: err %v", tt.in, err)
		}
		if err != nil {
			continue
		}
		id := c.Identity()
		if !equal(id.Subscribe, tt.sub) || !equal(id.Publish, tt.pub) || id.Admin != tt.admin {
			t.Errorf("%s: identity %+v", tt.in, id)
		}
	}
}

func equal(a, b Patterns) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestJWTVerify(t *testing.T) {
	v, err := NewJWT(&config.JWTKey{Alg: "HS256", Secret: []byte(hsSecret)}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}).SignedString(rsaKey)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	other, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("another-secret-of-32-bytes-xxxxx"))
	tests := []struct {
		name, token, explain string
	}{
		{"valid", sign(t, jwt.MapClaims{"channels": []string{"a"}}), ""},
		{"expired", sign(t, jwt.MapClaims{"exp": time.Now().Add(-time.Minute).Unix()}), "Invalid token: expired."},
		{"no exp", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"channels": []string{"a"}}).SignedString([]byte(hsSecret))
			return s
		}(), "Invalid token: no expiry (exp)."},
		{"not yet valid", sign(t, jwt.MapClaims{"nbf": time.Now().Add(time.Hour).Unix()}), "Invalid token: not valid yet."},
		{"bad signature", other, "Invalid token: bad signature."},
		{"alg none", none, "Invalid token: bad signature."},
		{"rs256 token to hs256 key", rs, "Invalid token: bad signature."},
		{"garbage", "a.b.c", "Invalid token: malformed."},
		{"bad claims type", sign(t, jwt.MapClaims{"publish": 5}), "Invalid token: malformed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := v.Verify(tt.token)
			switch {
			case tt.explain == "" && d != nil:
				t.Fatalf("denied: %v", d)
			case tt.explain != "" && (d == nil || d.Status != 401 || d.Explain != tt.explain):
				t.Fatalf("got claims %+v denial %+v, want %q", c, d, tt.explain)
			}
		})
	}

	rv, err := NewJWT(&config.JWTKey{Alg: "RS256", Public: &rsaKey.PublicKey}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, d := rv.Verify(rs); d != nil {
		t.Errorf("RS256 token denied: %v", d)
	}
	// The classic confusion attack: an HS256 token keyed with the public key.
	if _, d := rv.Verify(sign(t, jwt.MapClaims{})); d == nil {
		t.Error("HS256 token accepted by an RS256 verifier")
	}
}

func TestAuthorize(t *testing.T) {
	a, err := New(&config.Auth{
		Tokens:      []string{"pub-secret"},
		AdminTokens: []string{"admin-secret"},
		JWT:         &config.JWTKey{Alg: "HS256", Secret: []byte(hsSecret)},
	})
	if err != nil || a == nil {
		t.Fatalf("New: %v %v", a, err)
	}
	tok := sign(t, jwt.MapClaims{"channels": []string{"news", "room_*", "events"}, "publish": []string{"room_*"}})
	admin := sign(t, jwt.MapClaims{"admin": true})
	tests := []struct {
		name   string
		authz  string
		token  string
		action Action
		chans  []string
		status int
	}{
		{"token subscribes", "", tok, Subscribe, []string{"news", "room_1"}, 0},
		{"token wrong channel", "", tok, Subscribe, []string{"news", "other"}, 403},
		{"token events channel listed", "", tok, Subscribe, []string{"events"}, 0},
		{"token publishes", "", tok, Publish, []string{"room_2"}, 0},
		{"token cannot publish news", "", tok, Publish, []string{"news"}, 403},
		{"token cannot delete", "", tok, Delete, []string{"room_2"}, 403},
		{"token cannot read stats", "", tok, Stats, nil, 403},
		{"admin token deletes", "", admin, Delete, []string{"x"}, 0},
		{"static publishes", "Bearer pub-secret", "", Publish, []string{"x"}, 0},
		{"static cannot delete", "Bearer pub-secret", "", Delete, []string{"x"}, 403},
		{"static admin deletes", "Bearer admin-secret", "", Delete, []string{"x"}, 0},
		{"static reads stats", "Bearer pub-secret", "", Stats, nil, 0},
		{"missing", "", "", Subscribe, []string{"news"}, 401},
		{"bad static", "Bearer nope", "", Publish, []string{"x"}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := a.Authorize(context.Background(), Request{HTTP: request(tt.authz), Token: tt.token, Action: tt.action, Channels: tt.chans, EventsChannel: "events"})
			got := 0
			if d != nil {
				got = d.Status
			}
			if got != tt.status {
				t.Fatalf("status %d (%v), want %d", got, d, tt.status)
			}
			if got == 401 && len(d.Challenges) == 0 {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// A broad pattern never opens the events channel.
	wide := sign(t, jwt.MapClaims{"channels": []string{"*"}})
	if _, d := a.Authorize(context.Background(), Request{HTTP: request(""), Token: wide, Channels: []string{"events"}, EventsChannel: "events"}); d == nil || d.Status != 403 {
		t.Errorf(`"*" opened the events channel: %v`, d)
	}
}

func TestNewOpen(t *testing.T) {
	a, err := New(&config.Auth{})
	if a != nil || err != nil {
		t.Fatalf("no directive must leave the location open: %v %v", a, err)
	}
}

func TestCanPublishAll(t *testing.T) {
	id := &Identity{Publish: Patterns{"a", "b*"}}
	if !CanPublishAll(id, []string{"a", "b1", "ev"}, "ev") {
		t.Error("events channel must be skipped")
	}
	if CanPublishAll(id, []string{"a", "c"}, "") {
		t.Error("c is not publishable")
	}
	if !CanPublishAll(nil, []string{"x"}, "") {
		t.Error("no authentication: publishing stays as configured")
	}
}

func TestJWTIssuerAudience(t *testing.T) {
	v, err := NewJWT(&config.JWTKey{Alg: "HS256", Secret: []byte(hsSecret)}, "https://id.example", "pushstream")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		claims  jwt.MapClaims
		explain string
	}{
		{"both right", jwt.MapClaims{"iss": "https://id.example", "aud": "pushstream"}, ""},
		{"audience in a list", jwt.MapClaims{"iss": "https://id.example", "aud": []string{"other", "pushstream"}}, ""},
		{"wrong issuer", jwt.MapClaims{"iss": "https://evil.example", "aud": "pushstream"}, "Invalid token: wrong issuer (iss)."},
		{"no issuer", jwt.MapClaims{"aud": "pushstream"}, "Invalid token: no issuer (iss)."},
		{"wrong audience", jwt.MapClaims{"iss": "https://id.example", "aud": []string{"other"}}, "Invalid token: wrong audience (aud)."},
		{"no audience", jwt.MapClaims{"iss": "https://id.example"}, "Invalid token: no audience (aud)."},
		{"expired still says expired", jwt.MapClaims{"iss": "https://id.example", "aud": "pushstream", "exp": time.Now().Add(-time.Minute).Unix()}, "Invalid token: expired."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := v.Verify(sign(t, tt.claims))
			switch {
			case tt.explain == "" && d != nil:
				t.Fatalf("denied: %+v", d)
			case tt.explain != "" && (d == nil || d.Status != 401 || d.Explain != tt.explain):
				t.Fatalf("denial %+v, want 401 %q", d, tt.explain)
			}
		})
	}
	// Without an issuer and audience configured, neither claim is looked at.
	open, err := NewJWT(&config.JWTKey{Alg: "HS256", Secret: []byte(hsSecret)}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, d := open.Verify(sign(t, jwt.MapClaims{"iss": "anyone", "aud": "anything"})); d != nil {
		t.Errorf("denied without issuer/audience configured: %+v", d)
	}
}

func TestIdentityBound(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	exp := &Identity{Expires: now.Add(90 * time.Second)}
	tests := []struct {
		name string
		id   *Identity
		ttl  time.Duration
		want time.Duration
	}{
		{"no authentication", nil, time.Hour, time.Hour},
		{"credentials without expiry", &Identity{All: true}, 0, 0},
		{"token sooner than ttl", exp, time.Hour, 90 * time.Second},
		{"token without a ttl", exp, 0, 90 * time.Second},
		{"ttl sooner than token", exp, time.Minute, time.Minute},
		{"accepted within the skew", &Identity{Expires: now.Add(-time.Second)}, time.Hour, time.Millisecond},
	}
	for _, tt := range tests {
		if got := tt.id.Bound(tt.ttl, now); got != tt.want {
			t.Errorf("%s: Bound(%v) = %v, want %v", tt.name, tt.ttl, got, tt.want)
		}
	}
	c := &Claims{RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now)}}
	if got := c.Identity().Expires; !got.Equal(now.Add(clockSkew)) {
		t.Errorf("identity of a token expiring at %v expires at %v, want exp plus the clock skew", now, got)
	}
}
