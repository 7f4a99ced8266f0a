package redis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// logEvery is how often one kind of go-redis message may reach the log.
const logEvery = 10 * time.Second

// libLogger routes go-redis's own messages to the server's log at warn
// level. While Redis is down the client reports a failed dial on every
// retry; each kind of message (its format) gets through at most once per
// logEvery, and the next one that does says how many were held back.
type libLogger struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	last    map[string]time.Time
	dropped map[string]int
}

func newLibLogger(log *slog.Logger) *libLogger {
	return &libLogger{log: log, now: time.Now, last: map[string]time.Time{}, dropped: map[string]int{}}
}

// Printf implements go-redis's internal.Logging.
func (l *libLogger) Printf(_ context.Context, format string, v ...any) {
	now := l.now()
	l.mu.Lock()
	if t, ok := l.last[format]; ok && now.Sub(t) < logEvery {
		l.dropped[format]++
		l.mu.Unlock()
		return
	}
	held := l.dropped[format]
	l.last[format] = now
	delete(l.dropped, format)
	l.mu.Unlock()
	if held > 0 {
		l.log.Warn("redis client: "+fmt.Sprintf(format, v...), "repeats_held_back", held)
		return
	}
	l.log.Warn("redis client: " + fmt.Sprintf(format, v...))
}
