package auth

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/pushstream/pushstream/internal/config"
)

// Action is what a request wants to do.
type Action int

// The actions, by location kind and method.
const (
	Subscribe Action = iota // subscriber locations
	Publish                 // POST/PUT on a publisher location
	Read                    // GET on a publisher location (channel info)
	Delete                  // DELETE on an admin publisher location
	Stats                   // statistics locations
)

func (a Action) String() string {
	switch a {
	case Publish:
		return "publish"
	case Read:
		return "read"
	case Delete:
		return "delete"
	case Stats:
		return "stats"
	}
	return "subscribe"
}

// Authenticator runs every check configured for one effective settings
// block. Safe for concurrent use.
type Authenticator struct {
	static   *Static
	jwt      *JWT
	callback *Callback
	realm    string
}

// New builds the authenticator of a; it returns nil when a configures no
// authentication (the location stays open, as in nginx).
func New(a *config.Auth) (*Authenticator, error) {
	if !a.Enabled() {
		return nil, nil
	}
	au := &Authenticator{static: NewStatic(a), callback: NewCallback(a), realm: a.Realm}
	if au.realm == "" {
		au.realm = config.DefaultAuthRealm
	}
	if a.JWT != nil {
		v, err := NewJWT(a.JWT, a.JWTIssuer, a.JWTAudience)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		au.jwt = v
	}
	return au, nil
}

// Request is one authorization question.
type Request struct {
	HTTP          *http.Request
	Token         string // the token found by the configured source ("" = none)
	Action        Action
	Channels      []string // channel ids of the request, in path order
	EventsChannel string   // id of the events channel ("" = none)
}

// Authorize authenticates q and checks its action on every channel. A nil
// Denial means allowed; the Identity then says what else it may do.
func (a *Authenticator) Authorize(ctx context.Context, q Request) (*Identity, *Denial) {
	id, d := a.authenticate(ctx, q)
	if d != nil {
		return nil, d
	}
	return id, a.allowed(id, q)
}

func (a *Authenticator) authenticate(ctx context.Context, q Request) (*Identity, *Denial) {
	authz := q.HTTP.Header.Get("Authorization")
	if id := a.static.Match(authz); id != nil {
		return id, nil
	}
	if a.jwt != nil && q.Token != "" {
		c, d := a.jwt.Verify(q.Token)
		if d != nil {
			d.Challenges = a.challenges(`, error="invalid_token"`)
			return nil, d
		}
		return c.Identity(), nil
	}
	if a.callback != nil {
		dec := a.callback.Check(ctx, CallbackRequest{Client: q.HTTP, Action: q.Action.String(), Channels: q.Channels, Token: q.Token}, time.Now())
		if dec.Denial != nil {
			if dec.Denial.Status == http.StatusUnauthorized && len(dec.Denial.Challenges) == 0 {
				dec.Denial.Challenges = a.challenges("")
			}
			return nil, dec.Denial
		}
		return callbackIdentity(q, dec), nil
	}
	explain := ExplainMissing
	if authz != "" || q.Token != "" {
		explain = ExplainBadCredential
	}
	return nil, unauthorized(explain, a.challenges(""))
}

// callbackIdentity grants what the application just allowed: the action
// asked, on exactly the channels asked.
func callbackIdentity(q Request, dec Decision) *Identity {
	ch := Patterns(q.Channels)
	id := &Identity{Subject: "callback", Subscribe: ch}
	if q.Action == Publish || q.Action == Read || dec.Publish {
		id.Publish = ch
	}
	id.Admin = q.Action == Delete || q.Action == Stats
	return id
}

// challenges lists the WWW-Authenticate values of a 401.
func (a *Authenticator) challenges(bearerExtra string) []string {
	var out []string
	if a.static.HasBearer() || a.jwt != nil || a.callback != nil {
		out = append(out, `Bearer realm="`+a.realm+`"`+bearerExtra)
	}
	if a.static.HasBasic() {
		out = append(out, `Basic realm="`+a.realm+`", charset="UTF-8"`)
	}
	return out
}

func (a *Authenticator) allowed(id *Identity, q Request) *Denial {
	switch q.Action {
	case Delete:
		if !id.Admin {
			return forbidden(ExplainNoDelete)
		}
	case Stats:
		if !id.Admin && !id.All {
			return forbidden(ExplainNoStats)
		}
	default:
		for _, ch := range q.Channels {
			ev := q.EventsChannel != "" && ch == q.EventsChannel
			switch {
			case q.Action == Subscribe && !id.CanSubscribe(ch, ev):
				return forbidden(explainNoSubscribe + ch + ".")
			case q.Action == Publish && !id.CanPublish(ch, ev):
				return forbidden(explainNoPublish + ch + ".")
			case q.Action == Read && !id.CanPublish(ch, ev) && !id.Admin:
				return forbidden(explainNoPublish + ch + ".")
			}
		}
	}
	return nil
}

// CanPublishAll reports whether id may publish to every channel of a
// WebSocket connection (the events channel is skipped by the publisher).
func CanPublishAll(id *Identity, channels []string, events string) bool {
	if id == nil {
		return true
	}
	for _, ch := range channels {
		if events != "" && ch == events {
			continue
		}
		if !id.CanPublish(ch, false) {
			return false
		}
	}
	return true
}
