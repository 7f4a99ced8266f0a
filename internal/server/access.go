package server

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/httpd"
)

// accessLogs maps listen addresses to their access log file (access_log of
// the first server block on that address; location-level values are not
// used). It is immutable: a reload builds a new one, reusing open files.
type accessLogs struct {
	byAddr map[string]*accessFile
	files  map[string]*accessFile // by path
}

// accessFile is one open access log; lines are written whole under mu.
type accessFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
	buf  []byte
}

// buildAccessLogs opens the access logs cfg names, reusing the files of
// prev (may be nil).
func buildAccessLogs(cfg *config.Config, prev *accessLogs) (*accessLogs, error) {
	a := &accessLogs{byAddr: map[string]*accessFile{}, files: map[string]*accessFile{}}
	for _, srv := range cfg.Servers {
		path := srv.Settings.AccessLog
		for _, l := range srv.Listens {
			if _, seen := a.byAddr[l.Addr]; seen {
				continue
			}
			if path == "" || path == "off" {
				a.byAddr[l.Addr] = nil
				continue
			}
			af := a.files[path]
			if af == nil && prev != nil {
				af = prev.files[path]
			}
			if af == nil {
				f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
				if err != nil {
					a.closeNew(prev)
					return nil, fmt.Errorf("open() %q failed: %w", path, err)
				}
				af = &accessFile{path: path, f: f}
			}
			a.files[path] = af
			a.byAddr[l.Addr] = af
		}
	}
	return a, nil
}

// closeNew closes the files a opened that prev does not hold.
func (a *accessLogs) closeNew(prev *accessLogs) {
	for p, af := range a.files {
		if prev == nil || prev.files[p] != af {
			af.close()
		}
	}
}

// closeUnused closes the files of a that next no longer uses.
func (a *accessLogs) closeUnused(next *accessLogs) {
	if a == nil {
		return
	}
	for p, af := range a.files {
		if next == nil || next.files[p] != af {
			af.close()
		}
	}
}

func (a *accessLogs) reopen() []error {
	var errs []error
	for _, af := range a.files {
		if err := af.reopen(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (af *accessFile) reopen() error {
	f, err := os.OpenFile(af.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reopen %q: %w", af.path, err)
	}
	af.mu.Lock()
	old := af.f
	af.f = f
	af.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	return nil
}

func (af *accessFile) close() {
	af.mu.Lock()
	defer af.mu.Unlock()
	if af.f != nil {
		_ = af.f.Close()
		af.f = nil
	}
}

// accessEntry is what a line needs from the request, rendered before the
// request is served so a long-lived subscriber keeps these few bytes
// instead of its *http.Request.
type accessEntry struct {
	start time.Time
	head  []byte // ADDR - - [TIME] "REQUEST"
	tail  []byte // "REFERER" "USER-AGENT"
}

func newAccessEntry(r *http.Request, start time.Time) accessEntry {
	h := make([]byte, 0, 96+len(r.RequestURI))
	h = append(h, remoteIP(r.RemoteAddr)...)
	h = append(h, " - - ["...)
	h = start.AppendFormat(h, "02/Jan/2006:15:04:05 -0700")
	h = append(h, "] \""...)
	h = appendEscaped(h, r.Method+" "+r.RequestURI+" "+r.Proto)
	h = append(h, '"')
	t := make([]byte, 0, 8+len(r.Header.Get("User-Agent")))
	t = append(t, '"')
	t = appendEscaped(t, orDash(r.Header.Get("Referer")))
	t = append(t, "\" \""...)
	t = appendEscaped(t, orDash(r.Header.Get("User-Agent")))
	t = append(t, '"')
	return accessEntry{start: start, head: h, tail: t}
}

// log writes one line in a fixed, combined-like format:
//
//	ADDR - - [TIME] "REQUEST" STATUS BYTES "REFERER" "USER-AGENT" SECONDS
func (af *accessFile) log(w *httpd.Response, e accessEntry) {
	status := w.Status()
	if status == 0 {
		status = 499 // nothing was answered: the client went away first (nginx's code)
	}
	af.mu.Lock()
	defer af.mu.Unlock()
	if af.f == nil {
		return
	}
	b := append(af.buf[:0], e.head...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, w.BytesSent(), 10)
	b = append(b, ' ')
	b = append(b, e.tail...)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, time.Since(e.start).Seconds(), 'f', 3, 64)
	b = append(b, '\n')
	_, _ = af.f.Write(b)
	if cap(b) <= 4<<10 {
		af.buf = b
	}
}

func remoteIP(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// appendEscaped writes s with quotes, backslashes and control bytes as
// \xHH, as nginx does, so a line can always be split on its quotes.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' || r == 0x7f }) {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return b
}
