package config

import (
	"os"
	"strings"
	"testing"
)

// The README's directive table must name every push_stream directive the
// parser knows (STYLE.md: the docs are checked against the directive table).
func TestReadmeListsEveryDirective(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, d := range Directives() {
		if !strings.HasPrefix(d.Name, "push_stream_") {
			continue
		}
		if !strings.Contains(readme, "| `"+d.Name) {
			t.Errorf("README directive table lacks %s", d.Name)
		}
	}
}
