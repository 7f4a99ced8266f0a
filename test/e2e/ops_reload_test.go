package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Reload (SIGHUP) under live subscribers: no message lost, new templates
// for new subscribers only, removed locations end theirs with the footer,
// listeners follow the configuration, an invalid file changes nothing.

const opsRemovedLocations = `    location ~ /old/(.*) { push_stream_subscriber; push_stream_channels_path $1; push_stream_footer_template "OLDFOOT"; }
    location ~ /oldws/(.*) { push_stream_subscriber websocket; push_stream_channels_path $1; push_stream_footer_template "OLDFOOT"; }
    location ~ /oldlp/(.*) { push_stream_subscriber long-polling; push_stream_channels_path $1; }
`

func opsRewrite(t *testing.T, s *Server, conf string) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "{{PORT}}", fmt.Sprint(s.Port))
	conf = strings.ReplaceAll(conf, "{{DIR}}", s.Dir)
	if err := os.WriteFile(s.ConfPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpsReloadUnderLiveSubscribers(t *testing.T) {
	t.Parallel()
	portA, portB := opsFreePort(t), opsFreePort(t)
	s := Start(t, Conf{Raw: opsConf(fmt.Sprintf("    listen 127.0.0.1:%d;\n", portA), opsRemovedLocations)})

	keep := s.Dial(t)
	keep.Send(subReq("/sub/rl"))
	old := s.Dial(t)
	old.Send(subReq("/old/rl"))
	oldWS := subWSOpen(t, s, "/oldws/rl")
	oldLP := s.Dial(t)
	oldLP.Send(subReq("/oldlp/rl_quiet"))
	subWaitSubscribers(t, s, "rl", 3)
	subWaitSubscribers(t, s, "rl_quiet", 1)

	// New configuration: another message template, the /old* locations
	// gone, listener A replaced by B.
	newConf := strings.Replace(opsConf(fmt.Sprintf("    listen 127.0.0.1:%d;\n", portB), ""),
		`push_stream_message_template "~text~";`, `push_stream_message_template "[~text~]";`, 1)
	opsRewrite(t, s, newConf)

	const n = 30
	for i := range n {
		if i == n/2 {
			s.Signal(t, syscall.SIGHUP) // publishes go on while the reload runs
		}
		s.PublishOK(t, "rl", fmt.Sprintf("m%02d", i))
	}
	opsWaitLog(t, s, "configuration reloaded")

	// The kept subscriber got every message, in order, in its old template.
	subHeadOK(t, keep, "")
	for i := range n {
		subChunk(t, keep, fmt.Sprintf("m%02d", i))
	}

	// Removed locations: streaming ends with its footer, websocket with the
	// footer frame and a close frame, long-polling with 304 W/0.
	subHeadOK(t, old, "")
	opsChunkUntil(t, old, "OLDFOOT")
	subEnd(t, old, subWait)
	rest := oldWS.ReadAll(subWait)
	if want := subWSServerFrame(1, "OLDFOOT") + "\x88\x00"; !bytes.HasSuffix(rest, []byte(want)) {
		t.Errorf("websocket of a removed location ended with %q, want suffix %q", subHead(string(rest[max(0, len(rest)-40):])), want)
	}
	r := oldLP.ReadHead(subWait)
	if r.Status != 304 || !r.HasRawHeader("Etag", "W/0") {
		t.Errorf("long-polling of a removed location: %q\n%s", r.StatusLine, r.RawHeader)
	}

	// New subscribers get the new template; the removed location is 404.
	fresh := s.Dial(t)
	fresh.Send(subReq("/sub/rl"))
	subWaitSubscribers(t, s, "rl", 2)
	s.PublishOK(t, "rl", "after")
	subHeadOK(t, fresh, "")
	subChunk(t, fresh, "[after]")
	subChunk(t, keep, "after")
	if r := s.Do(t, "GET", "/old/rl", nil, nil); r.Status != 404 {
		t.Errorf("removed location answers %d", r.Status)
	}

	// Listener B opened, A closed.
	Eventually(t, 5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", portB), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, "listener added by the reload not open")
	Eventually(t, 5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", portA), time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	}, "listener removed by the reload still accepts")

	if m := opsMetrics(t, s); m[`pushstream_config_reloads_total{result="ok"}`] != 1 {
		t.Errorf("reloads ok = %v", m[`pushstream_config_reloads_total{result="ok"}`])
	}
}

func TestOpsReloadInvalidKeepsServing(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	keep := s.Dial(t)
	keep.Send(subReq("/sub/inv"))
	subWaitSubscribers(t, s, "inv", 1)

	opsRewrite(t, s, strings.Replace(opsConf("", ""), "push_stream_shared_memory_size 10m;", "push_stream_shared_memory_size 10m; push_stream_bogus on;", 1))
	s.Signal(t, syscall.SIGHUP)
	opsWaitLog(t, s, "reload failed, keeping the running configuration")

	// A certificate that does not load is an invalid reload too.
	opsRewrite(t, s, opsConf(fmt.Sprintf("    listen 127.0.0.1:%d ssl;\n    ssl_certificate /nonexistent.pem;\n    ssl_certificate_key /nonexistent.key;\n", opsFreePort(t)), ""))
	s.Signal(t, syscall.SIGHUP)
	Eventually(t, 5*time.Second, func() bool { return opsCountLog(s, "reload failed") == 2 }, "bad certificate reload not refused")

	s.PublishOK(t, "inv", "still")
	subHeadOK(t, keep, "")
	subChunk(t, keep, "still")
	if r := s.Do(t, "GET", "/healthz", nil, nil); r.Status != 200 {
		t.Errorf("healthz after invalid reload: %d", r.Status)
	}
	if m := opsMetrics(t, s); m[`pushstream_config_reloads_total{result="error"}`] != 2 {
		t.Errorf("reloads error = %v", m[`pushstream_config_reloads_total{result="error"}`])
	}
}

// -s reload signals the running server through its pid file.
func TestOpsReloadCommand(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	opsRewrite(t, s, opsConf("", `    location = /added { push_stream_health live; }`))
	if code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "reload"); code != 0 {
		t.Fatalf("-s reload exit %d: %s %s", code, so, se)
	}
	Eventually(t, 5*time.Second, func() bool { return s.Do(t, "GET", "/added", nil, nil).Status == 200 },
		"reloaded location not served")
}
