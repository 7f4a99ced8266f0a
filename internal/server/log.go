package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pushstream/pushstream/internal/config"
)

// logger writes to the configured error_log file (or stderr), filters by
// the error_log level and formats as push_stream_log_format says. Level and
// format change on reload; the file reopens on SIGUSR1.
type logger struct {
	*slog.Logger
	path  string
	out   *reopenWriter
	level slog.LevelVar
	sw    *swapHandler
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

// swapHandler lets a reload switch between the text and JSON handlers
// while every component keeps its *slog.Logger.
type swapHandler struct {
	cur atomic.Pointer[slog.Handler]
}

func (h *swapHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return (*h.cur.Load()).Enabled(ctx, l)
}

func (h *swapHandler) Handle(ctx context.Context, r slog.Record) error {
	return (*h.cur.Load()).Handle(ctx, r)
}

// WithAttrs and WithGroup bind to the current format; nothing in
// pushstream keeps such loggers across a reload.
func (h *swapHandler) WithAttrs(as []slog.Attr) slog.Handler { return (*h.cur.Load()).WithAttrs(as) }
func (h *swapHandler) WithGroup(n string) slog.Handler       { return (*h.cur.Load()).WithGroup(n) }

// parseLevel maps nginx error_log levels onto slog levels. Without a level
// pushstream logs from info on (nginx's default is error, but the start-up
// notices are worth seeing).
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info", "notice":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error", "crit", "alert", "emerg":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("invalid log level %q of the \"error_log\" directive", s)
}

func newLogger(cfg *config.Config) (*logger, error) {
	rw := &reopenWriter{w: os.Stderr}
	l := &logger{path: cfg.ErrorLog, out: rw, sw: &swapHandler{}}
	if isFile(cfg.ErrorLog) {
		f, err := os.OpenFile(cfg.ErrorLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open() %q failed: %w", cfg.ErrorLog, err)
		}
		rw.f, rw.w = f, f
	}
	if err := l.configure(cfg); err != nil {
		l.close()
		return nil, err
	}
	l.Logger = slog.New(l.sw)
	return l, nil
}

func isFile(path string) bool {
	return path != "" && path != "stderr" && path != "/dev/stderr"
}

// configure applies the level and the format of cfg.
func (l *logger) configure(cfg *config.Config) error {
	lv, err := parseLevel(cfg.ErrorLogLevel)
	if err != nil {
		return err
	}
	l.level.Set(lv)
	opts := &slog.HandlerOptions{Level: &l.level}
	var h slog.Handler = slog.NewTextHandler(l.out, opts)
	if cfg.Global.LogFormat == "json" {
		h = slog.NewJSONHandler(l.out, opts)
	}
	l.sw.cur.Store(&h)
	return nil
}

// reconfigure applies a reloaded configuration: level, format and, when
// the error_log path changed, the new file.
func (l *logger) reconfigure(cfg *config.Config) error {
	if cfg.ErrorLog != l.path {
		if err := l.switchFile(cfg.ErrorLog); err != nil {
			return err
		}
	}
	return l.configure(cfg)
}

func (l *logger) switchFile(path string) error {
	var f *os.File
	var w io.Writer = os.Stderr
	if isFile(path) {
		nf, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open() %q failed: %w", path, err)
		}
		f, w = nf, nf
	}
	l.out.mu.Lock()
	old := l.out.f
	l.out.f, l.out.w = f, w
	l.path = path
	l.out.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	return nil
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
