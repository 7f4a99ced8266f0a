package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/httpd"
)

// listener is one open listen address; tls is nil for plain HTTP.
type listener struct {
	ln    net.Listener
	tls   *tlsSite
	split *tlsSplitter // TLS only: ALPN routing and the HTTP/2 gateway (h2.go)
}

// listen opens every listen address of cfg not open yet, with TLS where
// tlsCfgs has a configuration, and swaps the certificates of TLS
// addresses already open. With prune (reload) it also closes addresses cfg
// no longer lists, and reopens an address whose ssl flag changed;
// connections already accepted on a closed address keep running.
func (s *Server) listen(cfg *config.Config, tlsCfgs map[string]*tls.Config, prune bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]bool{}
	for _, srv := range cfg.Servers {
		for _, l := range srv.Listens {
			want[l.Addr] = true
		}
	}
	if prune {
		for addr, l := range s.listeners {
			if !want[addr] || (l.tls != nil) != (tlsCfgs[addr] != nil) {
				delete(s.listeners, addr) // before Close: Serve's error is then expected
				_ = l.ln.Close()
				s.log.Info("listener closed", "addr", addr)
			}
		}
	}
	var errs []error
	for _, srv := range cfg.Servers {
		for _, l := range srv.Listens {
			tc := tlsCfgs[l.Addr]
			if cur, ok := s.listeners[l.Addr]; ok {
				if cur.tls != nil && tc != nil {
					cur.tls.cfg.Store(tc)
				}
				continue
			}
			raw, err := net.Listen("tcp", l.Addr)
			if err != nil {
				errs = append(errs, fmt.Errorf("bind() to %s failed: %w", l.Addr, err))
				continue
			}
			ent := &listener{ln: raw}
			if tc != nil {
				ent.tls = &tlsSite{}
				ent.tls.cfg.Store(tc)
				ent.split = newTLSSplitter(raw, ent.tls, s.log.Logger)
				ent.ln = ent.split
				go func(addr string) { _ = s.http.Serve(ent.split.pipes, addr) }(l.Addr)
			}
			s.listeners[l.Addr] = ent
			if prune {
				s.log.Info("listener opened", "addr", l.Addr, "tls", tc != nil)
			}
			go s.serveListener(ent, l.Addr)
		}
	}
	return errors.Join(errs...)
}

func (s *Server) serveListener(ent *listener, addr string) {
	err := s.http.Serve(ent.ln, addr)
	if err == nil || errors.Is(err, httpd.ErrServerClosed) {
		return
	}
	s.mu.Lock()
	current := s.listeners[addr] == ent
	s.mu.Unlock()
	if !current {
		return // closed by a reload
	}
	select {
	case s.serveErr <- err:
	default:
	}
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		_ = l.ln.Close()
	}
}

// shutdownHTTP2 ends the HTTP/2 gateways (server stop, after httpd).
func (s *Server) shutdownHTTP2() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		if l.split != nil {
			l.split.shutdown()
		}
	}
}
