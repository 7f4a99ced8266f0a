package server

import (
	"strconv"
	"strings"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/metrics"
)

// Reload re-reads the configuration (SIGHUP). An invalid file (or a
// certificate that does not load) keeps the old configuration; channels,
// messages and subscribers survive. Subscribers keep the settings they
// connected with, except those whose location is gone: they get their
// footer or close frame.
func (s *Server) Reload() {
	cfg, err := LoadConfig(s.path)
	if err == nil {
		err = s.reloadWith(cfg)
	}
	if err != nil {
		metrics.Default.Reloaded(false)
		s.log.Error("reload failed, keeping the running configuration", "error", err.Error())
		return
	}
	metrics.Default.Reloaded(true)
}

func (s *Server) reloadWith(cfg *config.Config) error {
	tlsCfgs, err := buildTLS(cfg)
	if err != nil {
		return err
	}
	oldAccess := s.access.Load()
	access, err := buildAccessLogs(cfg, oldAccess)
	if err != nil {
		return err
	}
	if err := s.log.reconfigure(cfg); err != nil {
		access.closeNew(oldAccess)
		return err
	}
	old := s.current.Load().Config
	if cfg.Global.SharedMemorySize != old.Global.SharedMemorySize {
		s.log.Warn("Cannot change memory area size without restart, ignoring change on zone: push_stream_module")
	}
	if err := s.listen(cfg, tlsCfgs, true); err != nil {
		s.log.Error("reload: " + err.Error())
	}
	s.hub.Reconfigure(hubConfig(cfg))
	s.install(cfg)
	s.access.Store(access)
	oldAccess.closeUnused(access)
	ended := s.retireRemoved(cfg)
	s.log.Info("configuration reloaded", "subscribers_ended", ended)
	return nil
}

// retireRemoved ends, in every older generation, the subscribers whose
// location cfg no longer has, and forgets generations left without
// subscribers. A location survives when, on one of its server's listen
// addresses, a server with the same names still has a location with the
// same match, pattern and handler.
func (s *Server) retireRemoved(cfg *config.Config) int {
	keep := map[string]bool{}
	for _, srv := range cfg.Servers {
		for _, l := range srv.Listens {
			for _, loc := range srv.Locations {
				keep[locationKey(l.Addr, srv, loc)] = true
			}
		}
	}
	removed := func(srv *config.Server, loc *config.Location) bool {
		for _, l := range srv.Listens {
			if keep[locationKey(l.Addr, srv, loc)] {
				return false
			}
		}
		return true
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.current.Load()
	ended := 0
	gens := s.gens[:0]
	for _, h := range s.gens {
		if h != cur {
			ended += h.Retire(removed)
			if h.Live() == 0 {
				continue
			}
		}
		gens = append(gens, h)
	}
	clear(s.gens[len(gens):])
	s.gens = gens
	return ended
}

// locationKey identifies a location across configurations: a listen
// address and the names of its server, how it matches, and what it does.
func locationKey(addr string, srv *config.Server, loc *config.Location) string {
	var b strings.Builder
	b.WriteString(addr)
	b.WriteByte('|')
	b.WriteString(strings.Join(srv.ServerNames, ","))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(int(loc.Match)))
	b.WriteByte('|')
	b.WriteString(loc.Pattern)
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(int(loc.Handler)))
	b.WriteByte('|')
	b.WriteString(loc.Mode.String())
	return b.String()
}
