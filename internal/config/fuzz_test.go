package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse runs arbitrary text through the lexer and the parser; it must
// never panic. Files are never read (includes and template files fail).
func FuzzParse(f *testing.F) {
	f.Add(DefaultText)
	if data, err := os.ReadFile("testdata/acceptance.conf"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(wrap("", pubLoc+` if ($arg_a ~* "^(x)") { push_stream_channels_path "$1"; }`)))
	f.Add([]byte(`http { push_stream_padding_by_user_agent "a,1,2:b,3,4"; } "unterminated`))
	f.Add([]byte("a 'b' \"c\\\"\" {;}}"))
	noFiles := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parse("fuzz.conf", data, noFiles)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
