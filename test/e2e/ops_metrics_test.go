package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// /metrics, /healthz and /readyz (push_stream_metrics, push_stream_health).

func TestOpsMetricsMove(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	before := opsMetrics(t, s)
	for _, name := range []string{
		`pushstream_subscribers{mode="streaming"}`, `pushstream_channels`, `pushstream_messages_published_total`,
		`pushstream_messages_delivered_total`, `pushstream_messages_dropped_total`,
		`pushstream_slow_subscribers_dropped_total`, `pushstream_delivery_latency_seconds_count`,
		`pushstream_broker_up{broker="memory"}`, `pushstream_connections`,
	} {
		if _, ok := before[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	if before[`pushstream_broker_up{broker="memory"}`] != 1 {
		t.Errorf("broker_up = %v, want 1", before[`pushstream_broker_up{broker="memory"}`])
	}

	st := s.Dial(t)
	st.Send(subReq("/sub/m_ch"))
	ws := subWSOpen(t, s, "/ws/m_ch")
	subWaitSubscribers(t, s, "m_ch", 2)
	mid := opsMetrics(t, s)
	if mid[`pushstream_subscribers{mode="streaming"}`] != before[`pushstream_subscribers{mode="streaming"}`]+1 ||
		mid[`pushstream_subscribers{mode="websocket"}`] != before[`pushstream_subscribers{mode="websocket"}`]+1 {
		t.Errorf("subscriber gauges did not move: %v", mid)
	}
	if mid["pushstream_channels"] < 1 {
		t.Errorf("channels = %v", mid["pushstream_channels"])
	}

	s.PublishOK(t, "m_ch", "one")
	subHeadOK(t, st, "")
	subChunk(t, st, "one")
	subWSExpect(t, ws, subWSServerFrame(1, "one"))
	Eventually(t, 5*time.Second, func() bool {
		after := opsMetrics(t, s)
		return after["pushstream_messages_published_total"] == before["pushstream_messages_published_total"]+1 &&
			after["pushstream_messages_delivered_total"] >= before["pushstream_messages_delivered_total"]+2 &&
			after["pushstream_delivery_latency_seconds_count"] >= before["pushstream_delivery_latency_seconds_count"]+1
	}, "published / delivered / latency did not move")

	st.Close()
	ws.Close()
	Eventually(t, 5*time.Second, func() bool {
		m := opsMetrics(t, s)
		return m[`pushstream_subscribers{mode="streaming"}`] == before[`pushstream_subscribers{mode="streaming"}`] &&
			m[`pushstream_subscribers{mode="websocket"}`] == before[`pushstream_subscribers{mode="websocket"}`]
	}, "subscriber gauges did not come back")
}

func TestOpsHealth(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	for _, c := range []struct{ path, body string }{{"/healthz", "ok\n"}, {"/readyz", "ready\n"}} {
		r := s.Do(t, "GET", c.path, nil, nil)
		if r.Status != 200 || string(r.Body) != c.body {
			t.Errorf("GET %s = %d %q", c.path, r.Status, r.Body)
		}
		if r := s.Do(t, "POST", c.path, []byte("x"), nil); r.Status != 405 {
			t.Errorf("POST %s = %d, want 405", c.path, r.Status)
		}
	}
}

// The embedded default configuration serves the three operations locations.
func TestOpsDefaultConfigHasOpsLocations(t *testing.T) {
	t.Parallel()
	code, out, _ := Run(t, 10*time.Second, "-print-default-config")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"push_stream_metrics;", "push_stream_health live;", "push_stream_health ready;"} {
		if !strings.Contains(out, want) {
			t.Errorf("default config lacks %q", want)
		}
	}
}

// access_log PATH writes one combined-like line per request; access_log off
// writes none.
func TestOpsAccessLog(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	s.PublishOK(t, "al_ch", "x")
	s.Do(t, "GET", "/healthz", nil, map[string]string{"User-Agent": `agent "quoted"`})
	path := filepath.Join(s.Dir, "access.log")
	line := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /healthz HTTP/1\.1" 200 \d+ "-" "agent \\x22quoted\\x22" \d+\.\d{3}$`)
	Eventually(t, 5*time.Second, func() bool {
		b, _ := os.ReadFile(path)
		for _, l := range strings.Split(string(b), "\n") {
			if line.MatchString(l) {
				return true
			}
		}
		return false
	}, "no access log line for /healthz")
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"POST /pub?id=al_ch HTTP/1.1" 200 `) {
		t.Errorf("no line for the publish:\n%s", b)
	}

	off := Start(t, Conf{Raw: strings.Replace(opsConf("", ""), "access_log {{DIR}}/access.log;", "access_log off;", 1)})
	off.Do(t, "GET", "/healthz", nil, nil)
	if _, err := os.Stat(filepath.Join(off.Dir, "access.log")); err == nil {
		t.Errorf("access_log off still wrote a file")
	}
}

// push_stream_log_format json writes the error log as JSON lines; an
// error_log level filters.
func TestOpsLogFormatAndLevel(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: strings.Replace(opsConf("", ""), "http {\n", "http {\n  push_stream_log_format json;\n", 1)})
	opsWaitLog(t, s, `"msg":"pushstream started"`)
	warn := Start(t, Conf{Raw: strings.Replace(opsConf("", ""), "error.log info;", "error.log warn;", 1)})
	warn.Do(t, "GET", "/healthz", nil, nil)
	if strings.Contains(warn.ErrorLog(), "pushstream started") {
		t.Errorf("error_log warn still logs info lines:\n%s", warn.ErrorLog())
	}
}

// -s reopen (SIGUSR1) reopens the access log after a rotation.
func TestOpsAccessLogReopen(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	s.Do(t, "GET", "/healthz", nil, nil)
	path := filepath.Join(s.Dir, "access.log")
	Eventually(t, 5*time.Second, func() bool { b, _ := os.ReadFile(path); return len(b) > 0 }, "no access log")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if code, so, se := Run(t, 10*time.Second, "-c", s.ConfPath, "-s", "reopen"); code != 0 {
		t.Fatalf("-s reopen exit %d: %s %s", code, so, se)
	}
	Eventually(t, 5*time.Second, func() bool {
		s.Do(t, "GET", "/readyz", nil, nil)
		b, _ := os.ReadFile(path)
		return strings.Contains(string(b), "GET /readyz")
	}, "access log not reopened")
}
