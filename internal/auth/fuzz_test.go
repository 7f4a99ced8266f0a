package auth

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pushstream/pushstream/internal/config"
)

func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{
		`{"channels":["a","b_*"],"publish":true,"exp":1}`,
		`{"channels":"a","publish":["x"],"admin":true}`,
		`{"publish":null}`, `{"channels":[1]}`, `[]`, `{"exp":"x"}`, `{"aud":["a"],"nbf":1.5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseClaims(b)
		if err != nil {
			return
		}
		id := c.Identity()
		_ = id.CanSubscribe("x", false)
		_ = id.CanPublish("x", true)
	})
}

func FuzzVerify(f *testing.F) {
	f.Add(sign(f, jwt.MapClaims{"channels": []string{"a"}}))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("")
	v, err := NewJWT(&config.JWTKey{Alg: "HS256", Secret: []byte(hsSecret)}, "", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, d := v.Verify(token)
		if (c == nil) == (d == nil) {
			t.Fatalf("claims %v and denial %v", c, d)
		}
		if d != nil && d.Status != 401 {
			t.Fatalf("status %d", d.Status)
		}
	})
}
