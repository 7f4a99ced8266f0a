package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims pushstream reads from a subscriber token:
//
//	{"sub": "u1", "exp": 1767225600,
//	 "channels": ["ch1", "room_*"],       // may subscribe
//	 "publish": true | ["room_*"],         // true = the same as channels
//	 "admin": true}                        // DELETE, statistics
type Claims struct {
	jwt.RegisteredClaims
	Channels PatternList  `json:"channels"`
	Publish  PublishClaim `json:"publish"`
	Admin    bool         `json:"admin"`
}

// PatternList is a JSON array of patterns; a single string is accepted as
// a one-element list.
type PatternList []string

// UnmarshalJSON accepts ["a","b*"], "a" and null.
func (p *PatternList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("channel pattern: %w", err)
		}
		*p = PatternList{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("channel patterns must be a list of strings: %w", err)
	}
	*p = list
	return nil
}

// PublishClaim is the publish right: true (the subscribe channels), false,
// or its own list of patterns.
type PublishClaim struct {
	SameAsChannels bool
	Patterns       PatternList
}

var errPublishClaim = errors.New(`"publish" must be true, false or a list of channel patterns`)

// UnmarshalJSON accepts true, false, null, a string or a list of strings.
func (c *PublishClaim) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("true")):
		*c = PublishClaim{SameAsChannels: true}
		return nil
	case bytes.Equal(b, []byte("false")), bytes.Equal(b, []byte("null")):
		*c = PublishClaim{}
		return nil
	}
	var p PatternList
	if err := p.UnmarshalJSON(b); err != nil {
		return errPublishClaim
	}
	*c = PublishClaim{Patterns: p}
	return nil
}

// Identity turns verified claims into the rights they grant.
func (c *Claims) Identity() *Identity {
	id := &Identity{Subject: c.Subject, Subscribe: Patterns(c.Channels), Admin: c.Admin}
	if c.ExpiresAt != nil {
		id.Expires = c.ExpiresAt.Add(clockSkew)
	}
	if c.Publish.SameAsChannels {
		id.Publish = Patterns(c.Channels)
	} else {
		id.Publish = Patterns(c.Publish.Patterns)
	}
	return id
}

// ParseClaims decodes a claims JSON document without verifying anything
// (the JWT verifier decodes through the same types).
func ParseClaims(payload []byte) (*Claims, error) {
	c := &Claims{}
	if err := json.Unmarshal(payload, c); err != nil {
		return nil, fmt.Errorf("auth: decode claims: %w", err)
	}
	return c, nil
}
