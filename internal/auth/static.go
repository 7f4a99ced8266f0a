package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/pushstream/pushstream/internal/config"
)

// secret is a configured secret kept as its SHA-256: comparing digests of
// equal length in constant time hides both the content and the length.
type secret struct {
	sum   [32]byte
	user  string // basic user name ("" for tokens)
	admin bool
}

// Static checks the bearer tokens and basic credentials of a location.
type Static struct {
	bearer []secret
	basic  []secret // digest of "user:password"
}

// NewStatic builds the checker of a, or nil when a has no static secret.
func NewStatic(a *config.Auth) *Static {
	if !a.Static() {
		return nil
	}
	s := &Static{}
	for _, t := range a.Tokens {
		s.bearer = append(s.bearer, secret{sum: sha256.Sum256([]byte(t))})
	}
	for _, t := range a.AdminTokens {
		s.bearer = append(s.bearer, secret{sum: sha256.Sum256([]byte(t)), admin: true})
	}
	for _, c := range a.Basic {
		s.basic = append(s.basic, secret{sum: sha256.Sum256([]byte(c.User + ":" + c.Password)), user: c.User})
	}
	for _, c := range a.BasicAdmin {
		s.basic = append(s.basic, secret{sum: sha256.Sum256([]byte(c.User + ":" + c.Password)), user: c.User, admin: true})
	}
	return s
}

// HasBearer and HasBasic say which schemes the location accepts.
func (s *Static) HasBearer() bool { return s != nil && len(s.bearer) > 0 }

// HasBasic reports whether basic credentials are configured.
func (s *Static) HasBasic() bool { return s != nil && len(s.basic) > 0 }

// Match checks an Authorization header value. It returns the identity of a
// matching secret, or nil.
func (s *Static) Match(authorization string) *Identity {
	if s == nil {
		return nil
	}
	scheme, cred := SplitAuthorization(authorization)
	switch {
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		if m := find(s.bearer, cred); m != nil {
			return &Identity{Subject: "token", All: true, Admin: m.admin}
		}
	case strings.EqualFold(scheme, "Basic") && cred != "":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil
		}
		if m := find(s.basic, string(raw)); m != nil {
			return &Identity{Subject: m.user, All: true, Admin: m.admin}
		}
	}
	return nil
}

// find compares v with every secret (no early exit) and returns the match.
func find(list []secret, v string) *secret {
	sum := sha256.Sum256([]byte(v))
	var found *secret
	for i := range list {
		if subtle.ConstantTimeCompare(sum[:], list[i].sum[:]) == 1 && found == nil {
			found = &list[i]
		}
	}
	return found
}

// SplitAuthorization cuts "Scheme credentials" (RFC 9110 §11.6.2).
func SplitAuthorization(v string) (scheme, cred string) {
	v = strings.TrimSpace(v)
	scheme, cred, _ = strings.Cut(v, " ")
	return scheme, strings.TrimSpace(cred)
}

// BearerToken returns the credentials of an "Authorization: Bearer X" value.
func BearerToken(authorization string) string {
	scheme, cred := SplitAuthorization(authorization)
	if strings.EqualFold(scheme, "Bearer") {
		return cred
	}
	return ""
}
