package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
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

	current atomic.Pointer[handler.Handler]

	mu        sync.Mutex
	listeners map[string]net.Listener
	keepalive atomic.Pointer[map[string]time.Duration]
	serveErr  chan error
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
	s := &Server{
		path:      path,
		log:       log,
		started:   time.Now(),
		listeners: map[string]net.Listener{},
		serveErr:  make(chan error, 1),
	}
	for _, n := range cfg.Notices {
		log.Info(n)
	}
	for _, name := range cfg.Ignored {
		log.Info("directive accepted and ignored", "directive", name)
	}
	s.hub = hub.New(hubConfig(cfg))
	go s.hub.Run()
	s.http = &httpd.Server{
		Handler:          httpd.HandlerFunc(s.serve),
		KeepAliveTimeout: s.keepAliveFor,
		Logger:           log.Logger,
	}
	s.install(cfg)
	if err := s.listen(cfg); err != nil {
		s.hub.Close()
		s.closeListeners()
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
	s.current.Store(handler.New(s.hub, cfg, s.log.Logger, s.started))
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

// listen opens every listen address of cfg not open yet.
func (s *Server) listen(cfg *config.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, srv := range cfg.Servers {
		for _, l := range srv.Listens {
			if _, ok := s.listeners[l.Addr]; ok {
				continue
			}
			ln, err := net.Listen("tcp", l.Addr)
			if err != nil {
				return fmt.Errorf("bind() to %s failed: %w", l.Addr, err)
			}
			s.listeners[l.Addr] = ln
			go func(ln net.Listener, addr string) {
				if err := s.http.Serve(ln, addr); err != nil && !errors.Is(err, httpd.ErrServerClosed) {
					select {
					case s.serveErr <- err:
					default:
					}
				}
			}(ln, l.Addr)
		}
	}
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		_ = l.Close()
	}
}

// Reload re-reads the configuration (SIGHUP). An invalid file keeps the
// old configuration; channels, messages and subscribers survive.
func (s *Server) Reload() {
	cfg, err := LoadConfig(s.path)
	if err != nil {
		s.log.Error("reload failed, keeping the running configuration", "error", err.Error())
		return
	}
	old := s.current.Load().Config
	if cfg.Global.SharedMemorySize != old.Global.SharedMemorySize {
		s.log.Warn("Cannot change memory area size without restart, ignoring change on zone: push_stream_module")
	}
	if err := s.listen(cfg); err != nil {
		s.log.Error("reload: " + err.Error())
	}
	s.hub.Reconfigure(hubConfig(cfg))
	s.install(cfg)
	s.log.Info("configuration reloaded")
}

// Stop finishes every subscriber as on its ttl and exits the listeners.
func (s *Server) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	s.hub.Close()
	if h := s.current.Load(); h != nil && h.Config.PidFile != "" {
		_ = os.Remove(h.Config.PidFile)
	}
	s.log.close()
}

// Addrs returns the listen addresses actually bound (for tests using port 0).
func (s *Server) Addrs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for a, l := range s.listeners {
		out[a] = l.Addr().String()
	}
	return out
}

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log.Logger }
