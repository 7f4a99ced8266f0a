package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/handler"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
	"github.com/pushstream/pushstream/internal/metrics"
)

// LoadConfig loads path, or the embedded default when path is empty.
func LoadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.LoadDefault()
	}
	return config.Load(path)
}

// ShutdownGrace bounds how long a stop waits for subscribers to receive
// their footers before connections are cut.
const ShutdownGrace = 10 * time.Second

// Server is one running pushstream process.
type Server struct {
	path    string
	log     *logger
	hub     *hub.Hub
	http    *httpd.Server
	started time.Time
	metrics *metrics.Metrics

	current  atomic.Pointer[handler.Handler]
	access   atomic.Pointer[accessLogs]
	stopping atomic.Bool

	mu        sync.Mutex
	listeners map[string]*listener
	keepalive atomic.Pointer[map[string]time.Duration]
	serveErr  chan error

	reloadMu sync.Mutex
	gens     []*handler.Handler // generations that may still hold subscribers (reload.go)
}

// Run serves cfg until a stop signal.
func Run(cfg *config.Config, path string) error {
	s, err := Start(cfg, path)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	for {
		select {
		case err := <-s.serveErr:
			s.Stop()
			return err
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				s.Reload()
			case syscall.SIGUSR1:
				s.log.reopen()
				for _, err := range s.access.Load().reopen() {
					s.log.Error("reopen access log failed", "error", err.Error())
				}
			default:
				s.log.Info("stopping", "signal", sig.String())
				s.Stop()
				return nil
			}
		}
	}
}

// Start opens the listeners and starts serving cfg.
func Start(cfg *config.Config, path string) (*Server, error) {
	log, err := newLogger(cfg)
	if err != nil {
		return nil, err
	}
	tlsCfgs, err := buildTLS(cfg)
	if err != nil {
		log.close()
		return nil, err
	}
	access, err := buildAccessLogs(cfg, nil)
	if err != nil {
		log.close()
		return nil, err
	}
	s := &Server{
		path:      path,
		log:       log,
		started:   time.Now(),
		listeners: map[string]*listener{},
		serveErr:  make(chan error, 1),
	}
	s.access.Store(access)
	for _, n := range cfg.Notices {
		log.Info(n)
	}
	for _, name := range cfg.Ignored {
		log.Info("directive accepted and ignored", "directive", name)
	}
	hc := hubConfig(cfg)
	if hc.Broker, err = newBroker(cfg.Global.Broker, log.Logger); err != nil {
		access.closeUnused(nil)
		log.close()
		return nil, err
	}
	s.hub = hub.New(hc)
	go s.hub.Run()
	s.http = &httpd.Server{
		Handler:          httpd.HandlerFunc(s.serve),
		KeepAliveTimeout: s.keepAliveFor,
		Logger:           log.Logger,
	}
	s.metrics = metrics.New(metrics.Default, s.metricsSource(cfg))
	s.install(cfg)
	if err := s.listen(cfg, tlsCfgs, false); err != nil {
		s.hub.Close()
		s.closeListeners()
		access.closeUnused(nil)
		log.close()
		return nil, err
	}
	if cfg.PidFile != "" {
		if err := os.WriteFile(cfg.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			s.Stop()
			return nil, fmt.Errorf("open() %q failed: %w", cfg.PidFile, err)
		}
	}
	log.Info("pushstream started", "pid", os.Getpid())
	return s, nil
}

func hubConfig(cfg *config.Config) hub.Config {
	g := cfg.Global
	return hub.Config{
		MemoryBudget:             g.SharedMemorySize,
		ChannelInactivity:        g.ChannelInactivityTime,
		MessageTTL:               g.MessageTTL,
		MaxSubscribersPerChannel: g.MaxSubscribersPerChannel,
		MaxStoredPerChannel:      g.MaxMessagesStoredPerChannel,
		MaxChannels:              g.MaxNumberOfChannels,
		MaxWildcardChannels:      g.MaxNumberOfWildcardChannels,
		WildcardPrefix:           g.WildcardChannelPrefix,
		EventsChannelID:          g.EventsChannelID,
	}
}

// install makes cfg the configuration for new requests.
func (s *Server) install(cfg *config.Config) {
	h := handler.New(s.hub, cfg, s.log.Logger, s.started)
	h.Metrics, h.Ready = s.metrics, s.Ready
	s.http.SetLimits(handler.ConnLimits(cfg))
	s.current.Store(h)
	s.reloadMu.Lock()
	s.gens = append(s.gens, h)
	s.reloadMu.Unlock()
	ka := map[string]time.Duration{}
	for _, srv := range cfg.Servers {
		for _, l := range srv.Listens {
			if _, ok := ka[l.Addr]; !ok {
				ka[l.Addr] = srv.KeepaliveTimeout
			}
		}
	}
	s.keepalive.Store(&ka)
}

func (s *Server) serve(w *httpd.Response, r *http.Request) {
	af := s.access.Load().byAddr[w.LocalAddr()]
	if af == nil {
		// r is not used after this call, so a long-lived subscriber does
		// not keep its request alive (idle memory).
		s.current.Load().ServeHTTP1(w, r)
		return
	}
	s.serveLogged(w, r, af)
}

// serveLogged is serve with an access log line. It is its own function so
// that serve's frame, which every parked subscriber keeps on its stack,
// stays small.
//
//go:noinline
func (s *Server) serveLogged(w *httpd.Response, r *http.Request, af *accessFile) {
	e := newAccessEntry(r, time.Now()) // a few bytes kept instead of r
	// Logged when the response ends, which may be after this call returns
	// (httpd.Response.Run).
	w.OnDone(func() { af.log(w, e) })
	s.current.Load().ServeHTTP1(w, r)
}

func (s *Server) keepAliveFor(addr string) time.Duration {
	if m := s.keepalive.Load(); m != nil {
		if d, ok := (*m)[addr]; ok {
			return d
		}
	}
	return httpd.DefaultKeepAliveTimeout
}

// Ready reports whether the server accepts new connections: listening and
// not stopping (push_stream_health ready).
func (s *Server) Ready() bool {
	if s.stopping.Load() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.listeners) > 0
}

// Stop finishes every subscriber as on its ttl and exits the listeners.
func (s *Server) Stop() {
	s.stopping.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	s.shutdownHTTP2()
	s.hub.Close()
	if h := s.current.Load(); h != nil && h.Config.PidFile != "" {
		_ = os.Remove(h.Config.PidFile)
	}
	s.access.Load().closeUnused(nil)
	s.log.close()
}

// Addrs returns the listen addresses actually bound (for tests using port 0).
func (s *Server) Addrs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for a, l := range s.listeners {
		out[a] = l.ln.Addr().String()
	}
	return out
}

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log.Logger }
