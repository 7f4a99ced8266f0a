package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigErrorGoesToErrorLog(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(conf, []byte("error_log logs/err.log info;\nhttp {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	logConfigError(conf, errors.New(`unexpected end of file in `+conf+`:2`))
	b, err := os.ReadFile(filepath.Join(dir, "logs", "err.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "[emerg]") || !strings.Contains(string(b), "unexpected end of file") {
		t.Fatalf("error log: %q", b)
	}
}
