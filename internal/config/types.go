package config

import (
	"regexp"
	"time"
)

// Config is a loaded, validated configuration. It is immutable once built:
// a reload builds a new one.
type Config struct {
	File          string   // path the config was read from ("" for the embedded default)
	PidFile       string   // `pid PATH;` ("" = none)
	ErrorLog      string   // `error_log PATH [level];` ("" = stderr)
	ErrorLogLevel string   // level word of error_log ("" = default)
	Ignored       []string // names of accepted-but-ignored directives, each once, in first-seen order
	Notices       []string // notices to log at start-up (e.g. "ngx_http_push_stream_module will not be used with this configuration.")

	// UsesPushStream is true when at least one location has a push_stream handler.
	UsesPushStream bool
	Global         Global    // http-level push_stream settings (defaults when there is no http block)
	Servers        []*Server // every server block of every http block, in file order
}

// Global holds the directives whose context is http only (spec config.md §8, ctx H).
type Global struct {
	SharedMemorySize            int64  // bytes, rounded up to 4096; 0 when unset
	ZoneName                    string // default "push_stream_module"
	ChannelDeletedMessageText   string // default "Channel deleted"
	PingMessageText             string // default " "
	ChannelInactivityTime       time.Duration
	MessageTTL                  time.Duration
	TimeoutWithBody             bool
	MaxSubscribersPerChannel    int // 0 = unset (no limit)
	MaxMessagesStoredPerChannel int // 0 = unset
	MaxChannelIDLength          int // 0 = unset
	MaxNumberOfChannels         int // 0 = unset
	MaxNumberOfWildcardChannels int // 0 = unset
	WildcardChannelPrefix       string
	EventsChannelID             string
	Broker                      string // push_stream_broker ("" = in-memory)
	LogFormat                   string // push_stream_log_format: "text" (default) or "json"
	MaxConnections              int    // push_stream_max_connections (0 = unlimited)
	MaxConnectionsPerIP         int    // push_stream_max_connections_per_ip (0 = unlimited)
	// PaddingMax is L of subscriber.md §9: the largest header or message padding
	// value of every push_stream_padding_by_user_agent rule in the whole config (0 = none).
	PaddingMax int
}

// Listen is one `listen` line.
type Listen struct {
	Addr          string // host:port as net.Listen wants it ("0.0.0.0:80", "127.0.0.1:9990", "[::]:80")
	DefaultServer bool
}

// Server is one server block.
type Server struct {
	Listens     []Listen
	ServerNames []string
	// Locations in file order; nested locations are flattened into this list
	// after their parent (nginx matches nested ones within the parent; we
	// treat them as siblings, which is what every real config needs).
	Locations        []*Location
	KeepaliveTimeout time.Duration // default 75s
	// SSL holds the listen addresses written with the `ssl` flag
	// (directives_ops.go); nil when there is none.
	SSL map[string]bool
	// HTTP2 holds the listen addresses written with the `http2` flag: with
	// `ssl` they offer HTTP/2 by ALPN.
	HTTP2 map[string]bool
	// Settings are the http -> server merged settings, for requests that
	// match no location (gzip, default_type of the 404 answer).
	Settings *Settings
	File     string
	Line     int
}

// MatchKind is how a location matches the URI path.
type MatchKind int

const (
	MatchPrefix        MatchKind = iota // location /x
	MatchPrefixNoRegex                  // location ^~ /x
	MatchExact                          // location = /x
	MatchRegex                          // location ~ re
	MatchRegexCaseless                  // location ~* re
)

// HandlerKind is what a location does.
type HandlerKind int

const (
	HandlerNone HandlerKind = iota
	HandlerPublisher
	HandlerSubscriber
	HandlerStatistics
)

// SubscriberMode is the value of push_stream_subscriber.
type SubscriberMode int

const (
	ModeStreaming SubscriberMode = iota
	ModePolling
	ModeLongPolling
	ModeEventSource
	ModeWebSocket
)

func (m SubscriberMode) String() string {
	switch m {
	case ModePolling:
		return "polling"
	case ModeLongPolling:
		return "long-polling"
	case ModeEventSource:
		return "eventsource"
	case ModeWebSocket:
		return "websocket"
	}
	return "streaming"
}

// Location is one location block with its merged (inherited) settings.
type Location struct {
	Match   MatchKind
	Pattern string         // the path or the regex source
	Regexp  *regexp.Regexp // for MatchRegex / MatchRegexCaseless
	File    string
	Line    int

	Handler        HandlerKind
	PublisherAdmin bool           // push_stream_publisher admin
	Mode           SubscriberMode // push_stream_subscriber MODE

	Settings *Settings // effective settings (http -> server -> location merge)
	Ifs      []*If     // `if` blocks in order

	Return *Return // `return CODE [TEXT]` (nil = none)
}

// If is an `if (COND) { ... }` block inside a location. Settings is the
// enclosing location's settings overridden by this block's own directives.
type If struct {
	Cond     *Cond
	Settings *Settings
	Return   *Return // `return` inside the block (nil = none)
}

// Return is nginx `return CODE [TEXT];`.
type Return struct {
	Code int
	Text string
}

// Settings are the directives with context H S L (and some I), after merge.
type Settings struct {
	ChannelsPath            *Complex // nil = unset
	StoreMessages           bool
	ChannelInfoOnPublish    bool // default on
	AuthorizedChannelsOnly  bool
	HeaderTemplate          string // from push_stream_header_template or _file (file contents)
	MessageTemplate         string // default "~text~"
	FooterTemplate          string
	WildcardChannelMaxQtd   int // 0 = not in effect; inherits MaxNumberOfWildcardChannels when unset
	PingMessageInterval     time.Duration
	SubscriberConnectionTTL time.Duration
	LongpollingConnTTL      time.Duration // defaults to merged SubscriberConnectionTTL
	WebsocketAllowPublish   bool

	LastReceivedMessageTime *Complex
	LastReceivedMessageTag  *Complex
	LastEventID             *Complex
	UserAgent               *Complex
	AllowedOrigins          *Complex
	PaddingByUserAgent      []PaddingRule

	AllowConnectionsToEventsChannel bool

	DefaultType       string            // default "text/plain"
	Types             map[string]string // extension -> MIME ("" key never); nil = nginx built-ins html/gif/jpg
	ClientMaxBodySize int64             // default 1m; 0 = unlimited

	Gzip Gzip

	// Operations (directives_ops.go); the server uses its server block's values.
	SSLCertificate    string   // ssl_certificate path
	SSLCertificateKey string   // ssl_certificate_key path
	SSLProtocols      []string // ssl_protocols (nil = TLSv1.2 TLSv1.3)
	AccessLog         string   // access_log path ("" unset = off, "off")

	Auth                  Auth // push_stream_auth_* (directives_auth.go)
	MaxChannelsPerRequest int  // push_stream_max_channels_per_request (0 = unlimited)

	// Connection guards (directives_auth.go); only the http/server values take
	// effect, per listen address. 0 = nginx default (DefaultClientTimeout, ...).
	ClientHeaderTimeout    time.Duration
	ClientBodyTimeout      time.Duration
	SendTimeout            time.Duration
	ClientHeaderBufferSize int
	LargeHeaderBuffers     HeaderBuffers
}

// Gzip is the gzip_* directives.
type Gzip struct {
	On          bool
	Types       []string // always contains "text/html"; "*" = all
	MinLength   int      // default 20
	HTTPVersion string   // "1.0" or "1.1" (default "1.1")
	CompLevel   int      // default 1
	Vary        bool
}

// PaddingRule is one element of push_stream_padding_by_user_agent.
type PaddingRule struct {
	UserAgent *regexp.Regexp
	Header    int
	Message   int
}
