package server

import (
	"crypto/tls"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/pushstream/pushstream/internal/config"
)

// tlsSite is the TLS state of one `listen ... ssl` address. The listener
// asks it for the configuration on every handshake, so a reload swaps
// certificates without reopening the socket.
type tlsSite struct {
	cfg atomic.Pointer[tls.Config]
}

func (t *tlsSite) serverConfig() *tls.Config {
	return &tls.Config{
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return t.cfg.Load(), nil },
	}
}

// buildTLS loads the certificates of every ssl address of cfg. A server
// block listening with `ssl` must name a certificate and its key; when
// several blocks share an address the client's SNI picks among their
// certificates (default_server's first).
func buildTLS(cfg *config.Config) (map[string]*tls.Config, error) {
	type site struct {
		certs       []tls.Certificate
		defaultCert bool
		min, max    uint16
		h2          bool
	}
	sites := map[string]*site{}
	loaded := map[[2]string]tls.Certificate{}
	for _, srv := range cfg.Servers {
		for _, l := range srv.Listens {
			if !srv.SSL[l.Addr] {
				continue
			}
			s := srv.Settings
			if s.SSLCertificate == "" || s.SSLCertificateKey == "" {
				return nil, fmt.Errorf("no \"ssl_certificate\" or \"ssl_certificate_key\" is defined for the \"listen ... ssl\" directive in %s:%d", srv.File, srv.Line)
			}
			key := [2]string{s.SSLCertificate, s.SSLCertificateKey}
			cert, ok := loaded[key]
			if !ok {
				c, err := tls.LoadX509KeyPair(s.SSLCertificate, s.SSLCertificateKey)
				if err != nil {
					return nil, fmt.Errorf("cannot load certificate %q (key %q): %w", s.SSLCertificate, s.SSLCertificateKey, err)
				}
				cert, loaded[key] = c, c
			}
			st := sites[l.Addr]
			if st == nil {
				st = &site{}
				sites[l.Addr] = st
			}
			if l.DefaultServer && !st.defaultCert {
				st.certs = append([]tls.Certificate{cert}, st.certs...)
				st.defaultCert = true
			} else {
				st.certs = append(st.certs, cert)
			}
			st.h2 = st.h2 || srv.HTTP2[l.Addr]
			lo, hi := protocolRange(s.SSLProtocols)
			if st.min == 0 || lo < st.min {
				st.min = lo
			}
			if hi > st.max {
				st.max = hi
			}
		}
	}
	out := make(map[string]*tls.Config, len(sites))
	for addr, st := range sites {
		protos := []string{"http/1.1"}
		if st.h2 {
			protos = []string{"h2", "http/1.1"}
		}
		out[addr] = &tls.Config{
			Certificates: st.certs,
			MinVersion:   st.min,
			MaxVersion:   st.max,
			NextProtos:   protos,
		}
	}
	return out, nil
}

// protocolRange turns ssl_protocols into a version range (default TLS 1.2
// to 1.3).
func protocolRange(names []string) (uint16, uint16) {
	if len(names) == 0 {
		return tls.VersionTLS12, tls.VersionTLS13
	}
	v := map[string]uint16{"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11,
		"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}
	var vs []int
	for _, n := range names {
		if x, ok := v[n]; ok {
			vs = append(vs, int(x))
		}
	}
	if len(vs) == 0 {
		return tls.VersionTLS12, tls.VersionTLS13
	}
	sort.Ints(vs)
	return uint16(vs[0]), uint16(vs[len(vs)-1])
}
