package web

import (
	"bytes"
	"testing"
)

func TestEmbedded(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"client exports PushStream", ClientJS, "export class PushStream"},
		{"page loads the client from its served path", TestPage, "from '/pushstream.js'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) == 0 {
				t.Fatal("embedded file is empty")
			}
			if !bytes.Contains(tc.data, []byte(tc.want)) {
				t.Fatalf("embedded file does not contain %q", tc.want)
			}
		})
	}
	if bytes.Contains(ClientJS, []byte("\nimport ")) {
		t.Error("the client must stay dependency-free: found an import statement")
	}
}
