package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pushstream/pushstream/internal/config"
)

// maxTokenBytes bounds the tokens we try to verify; real ones are far
// smaller, and the bound keeps base64 and JSON work per request small.
const maxTokenBytes = 8 << 10

// clockSkew is the leeway allowed on exp and nbf.
const clockSkew = 5 * time.Second

// JWT verifies signed tokens with one key. Tokens must carry "exp", and
// "iss" / "aud" when an issuer / audience is configured.
type JWT struct {
	key    any
	parser *jwt.Parser
}

// NewJWT builds the verifier of k; iss and aud, when not empty, are the
// issuer the tokens must name and an audience they must list.
func NewJWT(k *config.JWTKey, iss, aud string) (*JWT, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{k.Alg}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
	}
	if iss != "" {
		opts = append(opts, jwt.WithIssuer(iss))
	}
	if aud != "" {
		opts = append(opts, jwt.WithAudience(aud))
	}
	v := &JWT{parser: jwt.NewParser(opts...)}
	switch k.Alg {
	case "HS256":
		v.key = k.Secret
	case "RS256":
		v.key = k.Public
	default:
		return nil, fmt.Errorf("auth: unsupported JWT algorithm %q", k.Alg)
	}
	if v.key == nil {
		return nil, fmt.Errorf("auth: no %s key", k.Alg)
	}
	return v, nil
}

// Verify checks a token's signature, algorithm and time claims and returns
// its claims, or a 401 Denial saying what is wrong.
func (v *JWT) Verify(token string) (*Claims, *Denial) {
	if len(token) > maxTokenBytes {
		return nil, unauthorized("Invalid token: too large.", nil)
	}
	c := &Claims{}
	_, err := v.parser.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return v.key, nil })
	if err != nil {
		return nil, unauthorized(tokenExplain(err), nil)
	}
	return c, nil
}

// tokenExplain words a verification error for X-Nginx-PushStream-Explain.
func tokenExplain(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "Invalid token: expired."
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		// The library names the missing claim only in its message.
		switch msg := err.Error(); {
		case strings.Contains(msg, "iss claim"):
			return "Invalid token: no issuer (iss)."
		case strings.Contains(msg, "aud claim"):
			return "Invalid token: no audience (aud)."
		}
		return "Invalid token: no expiry (exp)."
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "Invalid token: wrong issuer (iss)."
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "Invalid token: wrong audience (aud)."
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "Invalid token: not valid yet."
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "Invalid token: bad signature."
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "Invalid token: malformed."
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "Invalid token: unexpected signing algorithm."
	}
	return "Invalid token."
}
