//go:build linux

package bench

import (
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Mode is a subscriber transport.
type Mode int

// Subscriber modes.
const (
	ModeWS Mode = iota
	ModeSSE
	ModeStream
	ModeLongPoll
)

// ParseMode accepts ws|websocket, sse|eventsource|ev, stream|streaming|sub, long-poll|longpoll|lp.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "ws", "websocket":
		return ModeWS, nil
	case "sse", "eventsource", "ev":
		return ModeSSE, nil
	case "stream", "streaming", "sub":
		return ModeStream, nil
	case "long-poll", "longpoll", "long-polling", "lp":
		return ModeLongPoll, nil
	}
	return 0, fmt.Errorf("unknown mode %q (want ws, sse, stream or long-poll)", s)
}

func (m Mode) String() string {
	return [...]string{"ws", "sse", "stream", "long-poll"}[m]
}

// Options configure every scenario; zero values take per-scenario defaults
// (see Defaults).
type Options struct {
	URL        string  // base URL, http://host:port; a comma-separated list spreads the load over several nodes
	Mode       Mode    // subscriber transport
	Subs       int     // subscribers (idle, fanout) or connections (connect)
	Channels   int     // channel count
	Messages   int     // messages to publish in total
	Size       int     // body bytes per message
	Publishers int     // keep-alive publisher connections (or connect workers)
	Rate       float64 // total publishes per second, 0 = as fast as possible

	Duration time.Duration // upper bound of any publish or connect loop
	Timeout  time.Duration // upper bound of any wait (readiness, delivery, dial)
	Settle   time.Duration // idle: pause before reading the server RSS

	PID      int  // server pid for RSS (0 = do not measure)
	Children bool // add every descendant of PID to the RSS

	Prefix  string // channel name prefix; unique per run by default
	ReadBuf int    // bytes per subscriber read (one buffer per event loop); also the largest response head
	Loops   int    // subscriber event loops; default GOMAXPROCS (1 with -cpu N)
	// Spin is how long an event loop polls without sleeping before it
	// waits in epoll_wait (see waitEvents); negative: never; zero: the
	// scenario's default (50µs for pubonly, else never).
	Spin time.Duration
	// DelayedAck turns TCP quick-ack off on subscriber sockets so the kernel
	// delays and merges ACKs: on loopback each ACK costs the reader a trip
	// through the server socket's receive path.
	DelayedAck bool

	PubPath string // publisher path, channel id appended: "/pub?id="
	SubPath string // streaming: "/sub/"
	EvPath  string // eventsource: "/ev/"
	LPPath  string // long-polling: "/lp/"
	WSPath  string // websocket: "/ws/"

	host  string   // Host header and dial address (the first of hosts)
	hosts []string // every -url, for spreading over cluster nodes
}

// Defaults fills zero fields with the defaults of a scenario.
func (o *Options) Defaults(scenario string) {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	switch scenario {
	case "idle":
		def(&o.Subs, 1000)
		def(&o.Channels, 10)
	case "fanout":
		def(&o.Subs, 100)
		def(&o.Channels, 1)
		def(&o.Messages, 1000)
	case "channels":
		def(&o.Channels, 100)
		def(&o.Messages, 2000)
	case "pubonly":
		def(&o.Channels, 1)
		def(&o.Messages, 20000)
		def(&o.Publishers, 4)
	case "connect":
		def(&o.Subs, 2000)
		def(&o.Channels, 10)
		def(&o.Publishers, 4)
	}
	def(&o.Size, 100)
	def(&o.ReadBuf, 16384)
	def(&o.Loops, runtime.GOMAXPROCS(0))
	def(&o.Publishers, 1)
	def(&o.Channels, 1)
	if o.Spin == 0 {
		// Polling pays when the publishers' loop is the tool's only busy
		// thread; beside subscriber loops on the same CPU, a spinning loop
		// takes the CPU from the one that has work.
		o.Spin = -1
		if scenario == "pubonly" {
			o.Spin = 50 * time.Microsecond
		}
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.URL == "" {
		o.URL = "http://127.0.0.1:9080"
	}
	if o.Prefix == "" {
		o.Prefix = "bench" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36) + "_"
	}
	defStr := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	defStr(&o.PubPath, "/pub?id=")
	defStr(&o.SubPath, "/sub/")
	defStr(&o.EvPath, "/ev/")
	defStr(&o.LPPath, "/lp/")
	defStr(&o.WSPath, "/ws/")
}

func (o *Options) resolve() error {
	o.hosts = o.hosts[:0]
	for _, one := range strings.Split(o.URL, ",") {
		u, err := url.Parse(strings.TrimSpace(one))
		if err != nil {
			return fmt.Errorf("parse -url: %w", err)
		}
		if u.Scheme != "http" && u.Scheme != "ws" {
			return fmt.Errorf("-url %q: only http:// (or ws://) without TLS is supported", one)
		}
		host := u.Host
		if u.Port() == "" {
			host += ":80"
		}
		o.hosts = append(o.hosts, host)
	}
	o.host = o.hosts[0]
	return nil
}

// hostFor spreads subscribers and publishers over the -url list (several
// nodes of a cluster) round-robin.
func (o *Options) hostFor(i int) string {
	if len(o.hosts) == 0 {
		return o.host
	}
	return o.hosts[i%len(o.hosts)]
}

func (o *Options) channel(i int) string { return o.Prefix + strconv.Itoa(i) }

func (o *Options) subPath(ch string) string {
	switch o.Mode {
	case ModeWS:
		return o.WSPath + ch
	case ModeSSE:
		return o.EvPath + ch
	case ModeLongPoll:
		return o.LPPath + ch
	}
	return o.SubPath + ch
}
