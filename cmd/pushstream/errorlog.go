package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// errorLogLine finds `error_log PATH` in the main context of a config file
// that failed to load, so the error can be written there as well as to
// stderr (config.md §1: config errors go to both).
var errorLogLine = regexp.MustCompile(`(?m)^\s*error_log\s+("[^"]+"|'[^']+'|[^\s;]+)`)

// logConfigError appends the error, nginx style, to the configured error
// log when the file names one. Failures are ignored: stderr has it already.
func logConfigError(confPath string, cerr error) {
	if confPath == "" {
		return
	}
	data, err := os.ReadFile(confPath)
	if err != nil {
		return
	}
	m := errorLogLine.FindSubmatch(data)
	if m == nil {
		return
	}
	p := string(m[1])
	if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') {
		p = p[1 : len(p)-1]
	}
	if p == "stderr" || p == "/dev/stderr" {
		return
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(confPath), p)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s [emerg] %d#0: %v\n", time.Now().Format("2006/01/02 15:04:05"), os.Getpid(), cerr)
}
