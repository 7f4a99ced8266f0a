package server

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/pushstream/pushstream/internal/config"
)

// logger writes to the configured error_log file (or stderr) and can reopen
// it on SIGUSR1 for log rotation.
type logger struct {
	*slog.Logger
	path string
	out  *reopenWriter
}

type reopenWriter struct {
	mu sync.Mutex
	f  *os.File
	w  io.Writer
}

func (r *reopenWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w.Write(p)
}

func newLogger(cfg *config.Config) (*logger, error) {
	rw := &reopenWriter{w: os.Stderr}
	l := &logger{path: cfg.ErrorLog, out: rw}
	if path := cfg.ErrorLog; path != "" && path != "stderr" && path != "/dev/stderr" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open() %q failed: %w", path, err)
		}
		rw.f, rw.w = f, f
	}
	l.Logger = slog.New(slog.NewTextHandler(rw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return l, nil
}

func (l *logger) reopen() {
	if l.out.f == nil {
		return
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		l.Error("reopen log failed", "error", err.Error())
		return
	}
	l.out.mu.Lock()
	old := l.out.f
	l.out.f, l.out.w = f, f
	l.out.mu.Unlock()
	_ = old.Close()
}

func (l *logger) close() {
	l.out.mu.Lock()
	defer l.out.mu.Unlock()
	if l.out.f != nil {
		_ = l.out.f.Close()
		l.out.f = nil
		l.out.w = os.Stderr
	}
}
