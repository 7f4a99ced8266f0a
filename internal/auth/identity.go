package auth

import (
	"strings"
	"time"
)

// Patterns are channel id patterns: an exact id, or a prefix ending in '*'
// ("room_*" matches "room_1"; "*" matches every id). The events channel
// only matches its exact id, so a broad pattern never opens it.
type Patterns []string

// Match reports whether id is allowed; events marks the events channel.
func (p Patterns) Match(id string, events bool) bool {
	for _, pat := range p {
		if pat == id {
			return true
		}
		if events {
			continue
		}
		if prefix, ok := strings.CutSuffix(pat, "*"); ok && strings.HasPrefix(id, prefix) {
			return true
		}
	}
	return false
}

// Identity is who a request authenticated as and what it may do.
type Identity struct {
	Subject string // token "sub", basic user name, "token" or "callback"
	// All grants every channel for subscribing and publishing (static
	// secrets); otherwise Subscribe and Publish list the patterns.
	All       bool
	Subscribe Patterns
	Publish   Patterns
	Admin     bool // may DELETE on admin publisher locations and read statistics
	// Expires is when the credentials stop being valid (a token's "exp"
	// plus the clock skew allowed); zero when they do not expire.
	Expires time.Time
}

// Bound shortens ttl (0 = none) so that a subscription ends when the
// identity's credentials expire; id may be nil (no authentication).
func (id *Identity) Bound(ttl time.Duration, now time.Time) time.Duration {
	if id == nil || id.Expires.IsZero() {
		return ttl
	}
	left := max(id.Expires.Sub(now), time.Millisecond) // accepted within the skew: ends at once
	if ttl == 0 || left < ttl {
		return left
	}
	return ttl
}

// CanSubscribe reports whether the identity may subscribe to id.
func (i *Identity) CanSubscribe(id string, events bool) bool {
	return i.All || i.Subscribe.Match(id, events)
}

// CanPublish reports whether the identity may publish to id.
func (i *Identity) CanPublish(id string, events bool) bool {
	return i.All || i.Publish.Match(id, events)
}
