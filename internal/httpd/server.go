package httpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Handler serves one request. r is what http.ReadRequest would return
// (reqhead.go), with RemoteAddr set. The handler runs on the connection's
// goroutine; a long-lived response continues in Response.Run, and must end
// when the server is stopping.
type Handler interface {
	ServeHTTP1(w *Response, r *http.Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(w *Response, r *http.Request)

// ServeHTTP1 calls f(w, r).
func (f HandlerFunc) ServeHTTP1(w *Response, r *http.Request) { f(w, r) }

// Defaults used when the Server fields are zero.
const (
	DefaultKeepAliveTimeout = 75 * time.Second
	DefaultMaxHeaderBytes   = 16 << 10
	DefaultHeaderTimeout    = 60 * time.Second
	DefaultWriteTimeout     = 60 * time.Second
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("httpd: server closed")

// Server serves HTTP/1.x connections, one goroutine each.
type Server struct {
	Handler Handler
	// KeepAliveTimeout returns the idle keep-alive timeout for connections
	// accepted on the given listen address; nil means 75 s, a result <= 0
	// disables keep-alive (nginx keepalive_timeout 0).
	KeepAliveTimeout func(listenAddr string) time.Duration
	// MaxHeaderBytes bounds the request line plus headers (0: 16 KiB);
	// beyond it the client gets 400 and the connection closes.
	MaxHeaderBytes int
	// HeaderTimeout bounds reading one request head (0: 60 s).
	HeaderTimeout time.Duration
	// WriteTimeout bounds each write to a client (0: 60 s); a slower client
	// is cut.
	WriteTimeout time.Duration
	Logger       *slog.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	stopping  chan struct{}
	stopOnce  sync.Once
	wg        sync.WaitGroup

	limits   atomic.Pointer[Limits] // SetLimits (limits.go)
	arriving atomic.Int64           // requests in flight (arrivals.go)
	hotMu    sync.Mutex
	hot      map[*conn]time.Time // idle right after a long-poll answer (arrivals.go)
	adm      admission           // connection caps, under mu
}

func (s *Server) init() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping == nil {
		s.stopping = make(chan struct{})
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
	}
}

// Stopping is closed when Shutdown or Close starts. Handlers parked in Park
// are woken at that moment and should finish their response.
func (s *Server) Stopping() <-chan struct{} {
	s.init()
	return s.stopping
}

func (s *Server) isStopping() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

func (s *Server) keepAlive(listenAddr string) time.Duration {
	if s.KeepAliveTimeout == nil {
		return DefaultKeepAliveTimeout
	}
	return s.KeepAliveTimeout(listenAddr)
}

func (s *Server) maxHeaderBytes() int {
	if n := s.currentLimits().MaxHeaderBytes; n > 0 {
		return n
	}
	if s.MaxHeaderBytes > 0 {
		return s.MaxHeaderBytes
	}
	return DefaultMaxHeaderBytes
}

func (s *Server) headerTimeout() time.Duration {
	if t := s.currentLimits().HeaderTimeout; t > 0 {
		return t
	}
	if s.HeaderTimeout > 0 {
		return s.HeaderTimeout
	}
	return DefaultHeaderTimeout
}

func (s *Server) writeTimeout() time.Duration {
	if t := s.currentLimits().SendTimeout; t > 0 {
		return t
	}
	if s.WriteTimeout > 0 {
		return s.WriteTimeout
	}
	return DefaultWriteTimeout
}

// Serve accepts connections on l until Shutdown or Close. listenAddr is the
// configured address the listener was opened for (Response.LocalAddr).
func (s *Server) Serve(l net.Listener, listenAddr string) error {
	s.init()
	s.mu.Lock()
	if s.isStopping() {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isStopping() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("httpd: accept failed, retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("httpd: accept on %s: %w", listenAddr, err)
		}
		backoff = 0
		c := &conn{srv: s, nc: nc, listenAddr: listenAddr}
		c.cr.nc = nc
		c.idle = newWaker(c)
		if err := s.track(c); err != nil {
			if errors.Is(err, errOverLimit) {
				s.reject(nc)
				continue
			}
			_ = nc.Close()
			return ErrServerClosed
		}
		c.arrive() // its first request may already be on the way (arrivals.go)
		c.hotNext = true
		go c.serve()
	}
}

// isTemporary catches accept errors such as EMFILE that pass with time.
func isTemporary(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "too many open files") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "connection aborted")
}

func (s *Server) logf(msg string, args ...any) {
	l := s.Logger
	if l == nil {
		l = slog.Default()
	}
	l.Warn(msg, args...)
}

func (s *Server) track(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isStopping() {
		return ErrServerClosed
	}
	if err := s.admitLocked(c); err != nil {
		return err
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return nil
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	s.releaseLocked(c)
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// beginStop closes the listeners and Stopping, then wakes every parked
// connection so idle ones close and handlers notice.
func (s *Server) beginStop() {
	s.init()
	s.stopOnce.Do(func() {
		s.mu.Lock()
		close(s.stopping)
		for l := range s.listeners {
			_ = l.Close()
		}
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			c.wakeForShutdown()
		}
	})
}

// Shutdown stops accepting, wakes all connections (idle ones close, handlers
// see Stopping) and waits for them until ctx ends; then it closes the rest.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginStop()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeConns()
		<-done
		return fmt.Errorf("httpd: shutdown: %w", ctx.Err())
	}
}

// Close stops accepting and closes every connection at once.
func (s *Server) Close() error {
	s.beginStop()
	s.closeConns()
	s.wg.Wait()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		_ = c.nc.Close()
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.wakeForShutdown() // a suspended response learns of the close this way
	}
}

// ConnCount reports the number of open connections.
func (s *Server) ConnCount() int {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func itoa(n int) string { return strconv.Itoa(n) }
