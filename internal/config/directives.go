package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ctxMask says in which blocks a directive may appear (config.md §8 letters).
type ctxMask int

const (
	ctxMain ctxMask = 1 << iota
	ctxHTTP
	ctxServer
	ctxLoc
	ctxIf

	ctxHSL  = ctxHTTP | ctxServer | ctxLoc
	ctxHSLI = ctxHSL | ctxIf
	ctxAny  = ctxMain | ctxHSLI
)

// dirKind says what the builder does with a directive.
type dirKind int

const (
	kSetting dirKind = iota // stored per block and merged http -> server -> location
	kGlobal                 // http-level only, stored in Global
	kHandler                // push_stream_publisher / _subscriber / _channels_statistics
	kIgnored                // accepted, recorded once in Config.Ignored
	kSpecial                // structure and core directives handled by the builder
)

// directive is one row of the directive table: the single place that knows
// every directive pushstream accepts.
type directive struct {
	name     string
	ctx      ctxMask
	min, max int // argument count; max -1 = unbounded
	block    bool
	kind     dirKind
	key      string // merge key when several directives share one value
	def      string // documented default
	parse    func(d *directive, n *node, r readFunc) (any, error)
	apply    func(s *Settings, v any) // kSetting
	global   func(g *Global, v any)   // kGlobal
}

func (d *directive) mergeKey() string {
	if d.key != "" {
		return d.key
	}
	return d.name
}

// handlerVal is the value of a handler directive (kept in the merge layers:
// nested locations inherit their parent's handler, as in the original).
type handlerVal struct {
	kind  HandlerKind
	admin bool
	mode  SubscriberMode
}

var (
	directiveTable []*directive
	directiveIndex map[string]*directive
)

// ignoredPrefixes are families accepted and ignored by name prefix.
var ignoredPrefixes = []string{"proxy_", "ssl_", "types_hash_", "server_names_hash_", "client_body_"}

var ignoredNames = []string{
	"user", "worker_processes", "worker_connections", "use", "multi_accept", "master_process",
	"worker_rlimit_core", "worker_rlimit_nofile", "working_directory", "debug_points", "env",
	"timer_resolution", "pcre_jit", "access_log", "log_format", "sendfile", "tcp_nopush",
	"tcp_nodelay", "send_timeout", "client_header_timeout", "client_body_timeout",
	"client_header_buffer_size", "large_client_header_buffers", "ignore_invalid_headers",
	"postpone_output", "server_tokens", "charset", "gzip_buffers", "gzip_proxied", "gzip_disable",
	"reset_timedout_connection", "lingering_close", "lingering_time", "lingering_timeout",
	"resolver", "root", "index", "try_files", "expires", "daemon", "keepalive_requests",
	"add_header", "set",
}

// lookupDirective finds a directive by name, including the ignored families.
func lookupDirective(name string) *directive {
	if d, ok := directiveIndex[name]; ok {
		return d
	}
	for _, p := range ignoredPrefixes {
		if strings.HasPrefix(name, p) {
			return &directive{name: name, ctx: ctxAny, min: 0, max: -1, kind: kIgnored}
		}
	}
	return nil
}

func init() {
	directiveTable = buildTable()
	directiveIndex = make(map[string]*directive, len(directiveTable))
	for _, d := range directiveTable {
		directiveIndex[d.name] = d
	}
}

func buildTable() []*directive {
	t := []*directive{
		// structure and nginx core
		{name: "http", ctx: ctxMain, min: 0, max: 0, block: true, kind: kSpecial},
		{name: "events", ctx: ctxMain, min: 0, max: 0, block: true, kind: kSpecial},
		{name: "server", ctx: ctxHTTP, min: 0, max: 0, block: true, kind: kSpecial},
		{name: "location", ctx: ctxServer | ctxLoc, min: 1, max: 2, block: true, kind: kSpecial},
		{name: "if", ctx: ctxLoc, min: 1, max: -1, block: true, kind: kSpecial},
		{name: "types", ctx: ctxHSL, min: 0, max: 0, block: true, kind: kSpecial},
		{name: "listen", ctx: ctxServer, min: 1, max: -1, kind: kSpecial},
		{name: "server_name", ctx: ctxServer, min: 1, max: -1, kind: kSpecial},
		{name: "return", ctx: ctxLoc | ctxIf, min: 1, max: 2, kind: kSpecial},
		{name: "pid", ctx: ctxMain, min: 1, max: 1, kind: kSpecial},
		{name: "error_log", ctx: ctxMain | ctxHSL, min: 1, max: 2, kind: kSpecial},
		{name: "keepalive_timeout", ctx: ctxHSL, min: 1, max: 2, kind: kSetting, def: "75s", parse: pTime(false)},
		{name: "default_type", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "text/plain", parse: pString,
			apply: func(s *Settings, v any) { s.DefaultType = v.(string) }},
		{name: "client_max_body_size", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "1m", parse: pSize,
			apply: func(s *Settings, v any) { s.ClientMaxBodySize = v.(int64) }},
		{name: "gzip", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "off", parse: pFlag,
			apply: func(s *Settings, v any) { s.Gzip.On = v.(bool) }},
		{name: "gzip_types", ctx: ctxHSL, min: 1, max: -1, kind: kSetting, def: "text/html", parse: pList,
			apply: func(s *Settings, v any) { s.Gzip.Types = v.([]string) }},
		{name: "gzip_min_length", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "20", parse: pSize,
			apply: func(s *Settings, v any) { s.Gzip.MinLength = int(v.(int64)) }},
		{name: "gzip_http_version", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "1.1", parse: pHTTPVersion,
			apply: func(s *Settings, v any) { s.Gzip.HTTPVersion = v.(string) }},
		{name: "gzip_comp_level", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "1", parse: pCompLevel,
			apply: func(s *Settings, v any) { s.Gzip.CompLevel = v.(int) }},
		{name: "gzip_vary", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "off", parse: pFlag,
			apply: func(s *Settings, v any) { s.Gzip.Vary = v.(bool) }},

		// push_stream, http level only
		{name: "push_stream_shared_memory_size", ctx: ctxHTTP, min: 1, max: 2, kind: kGlobal, def: "required", parse: pShmSize,
			global: func(g *Global, v any) {
				sv := v.(shmVal)
				g.SharedMemorySize = sv.size
				if sv.name != "" {
					g.ZoneName = sv.name
				}
			}},
		{name: "push_stream_channel_deleted_message_text", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "Channel deleted", parse: pString,
			global: func(g *Global, v any) { g.ChannelDeletedMessageText = v.(string) }},
		{name: "push_stream_ping_message_text", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: `" "`, parse: pString,
			global: func(g *Global, v any) { g.PingMessageText = v.(string) }},
		{name: "push_stream_channel_inactivity_time", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "30s", parse: pTime(false),
			global: func(g *Global, v any) { g.ChannelInactivityTime = v.(time.Duration) }},
		{name: "push_stream_message_ttl", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "30m", parse: pTime(false),
			global: func(g *Global, v any) { g.MessageTTL = v.(time.Duration) }},
		{name: "push_stream_timeout_with_body", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "off", parse: pFlag,
			global: func(g *Global, v any) { g.TimeoutWithBody = v.(bool) }},
		{name: "push_stream_max_subscribers_per_channel", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pNumber,
			global: func(g *Global, v any) { g.MaxSubscribersPerChannel = v.(int) }},
		{name: "push_stream_max_messages_stored_per_channel", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pNumber,
			global: func(g *Global, v any) { g.MaxMessagesStoredPerChannel = v.(int) }},
		{name: "push_stream_max_channel_id_length", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pNumber,
			global: func(g *Global, v any) { g.MaxChannelIDLength = v.(int) }},
		{name: "push_stream_max_number_of_channels", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pNumber,
			global: func(g *Global, v any) { g.MaxNumberOfChannels = v.(int) }},
		{name: "push_stream_max_number_of_wildcard_channels", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pNumber,
			global: func(g *Global, v any) { g.MaxNumberOfWildcardChannels = v.(int) }},
		{name: "push_stream_wildcard_channel_prefix", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pString,
			global: func(g *Global, v any) { g.WildcardChannelPrefix = v.(string) }},
		{name: "push_stream_events_channel_id", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pString,
			global: func(g *Global, v any) { g.EventsChannelID = v.(string) }},
		{name: "push_stream_broker", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "memory", parse: pString,
			global: func(g *Global, v any) { g.Broker = v.(string) }},

		// push_stream handlers
		{name: "push_stream_channels_statistics", ctx: ctxLoc, min: 0, max: 0, kind: kHandler, key: "handler",
			parse: func(*directive, *node, readFunc) (any, error) { return handlerVal{kind: HandlerStatistics}, nil }},
		{name: "push_stream_publisher", ctx: ctxLoc, min: 0, max: 1, kind: kHandler, key: "handler", def: "normal", parse: pPublisher},
		{name: "push_stream_subscriber", ctx: ctxLoc, min: 0, max: 1, kind: kHandler, key: "handler", def: "streaming", parse: pSubscriber},

		// push_stream, http/server/location (some also `if`)
		{name: "push_stream_channels_path", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "unset", parse: pComplex,
			apply: func(s *Settings, v any) { s.ChannelsPath = v.(*Complex) }},
		{name: "push_stream_store_messages", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "off", parse: pFlag,
			apply: func(s *Settings, v any) { s.StoreMessages = v.(bool) }},
		{name: "push_stream_channel_info_on_publish", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "on", parse: pFlag,
			apply: func(s *Settings, v any) { s.ChannelInfoOnPublish = v.(bool) }},
		{name: "push_stream_authorized_channels_only", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "off", parse: pFlag,
			apply: func(s *Settings, v any) { s.AuthorizedChannelsOnly = v.(bool) }},
		{name: "push_stream_header_template", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, key: "header_template", def: `""`, parse: pString,
			apply: func(s *Settings, v any) { s.HeaderTemplate = v.(string) }},
		{name: "push_stream_header_template_file", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, key: "header_template", def: "unset", parse: pTemplateFile,
			apply: func(s *Settings, v any) { s.HeaderTemplate = v.(string) }},
		{name: "push_stream_message_template", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "~text~", parse: pString,
			apply: func(s *Settings, v any) { s.MessageTemplate = v.(string) }},
		{name: "push_stream_footer_template", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: `""`, parse: pString,
			apply: func(s *Settings, v any) { s.FooterTemplate = v.(string) }},
		{name: "push_stream_wildcard_channel_max_qtd", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "max_number_of_wildcard_channels", parse: pNumber,
			apply: func(s *Settings, v any) { s.WildcardChannelMaxQtd = v.(int) }},
		{name: "push_stream_ping_message_interval", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pTime(true),
			apply: func(s *Settings, v any) { s.PingMessageInterval = v.(time.Duration) }},
		{name: "push_stream_subscriber_connection_ttl", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pTime(true),
			apply: func(s *Settings, v any) { s.SubscriberConnectionTTL = v.(time.Duration) }},
		{name: "push_stream_longpolling_connection_ttl", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "subscriber_connection_ttl", parse: pTime(true),
			apply: func(s *Settings, v any) { s.LongpollingConnTTL = v.(time.Duration) }},
		{name: "push_stream_websocket_allow_publish", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "off", parse: pFlag,
			apply: func(s *Settings, v any) { s.WebsocketAllowPublish = v.(bool) }},
		{name: "push_stream_last_received_message_time", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "unset", parse: pComplex,
			apply: func(s *Settings, v any) { s.LastReceivedMessageTime = v.(*Complex) }},
		{name: "push_stream_last_received_message_tag", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "unset", parse: pComplex,
			apply: func(s *Settings, v any) { s.LastReceivedMessageTag = v.(*Complex) }},
		{name: "push_stream_last_event_id", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "unset", parse: pComplex,
			apply: func(s *Settings, v any) { s.LastEventID = v.(*Complex) }},
		{name: "push_stream_user_agent", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pComplex,
			apply: func(s *Settings, v any) { s.UserAgent = v.(*Complex) }},
		{name: "push_stream_padding_by_user_agent", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pPadding,
			apply: func(s *Settings, v any) { s.PaddingByUserAgent = v.([]PaddingRule) }},
		{name: "push_stream_allowed_origins", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pComplex,
			apply: func(s *Settings, v any) { s.AllowedOrigins = v.(*Complex) }},
		{name: "push_stream_allow_connections_to_events_channel", ctx: ctxHSLI, min: 1, max: 1, kind: kSetting, def: "off", parse: pFlag,
			apply: func(s *Settings, v any) { s.AllowConnectionsToEventsChannel = v.(bool) }},
	}
	for _, name := range ignoredNames {
		t = append(t, &directive{name: name, ctx: ctxAny, min: 0, max: -1, kind: kIgnored})
	}
	t = withOpsDirectives(t)  // directives_ops.go
	t = withAuthDirectives(t) // directives_auth.go
	return t
}

// DirectiveInfo describes one directive of the table, for documentation.
type DirectiveInfo struct {
	Name    string
	Context string // letters of config.md §8: M(ain) H S L I, space separated
	Default string // "" when not documented (core and ignored directives)
	Ignored bool   // accepted and ignored
}

// Directives lists the directive table in order (the ignored prefix
// families proxy_*, ssl_*, ... are not listed).
func Directives() []DirectiveInfo {
	out := make([]DirectiveInfo, len(directiveTable))
	for i, d := range directiveTable {
		var ctx []string
		for _, c := range []struct {
			m ctxMask
			l string
		}{{ctxMain, "M"}, {ctxHTTP, "H"}, {ctxServer, "S"}, {ctxLoc, "L"}, {ctxIf, "I"}} {
			if d.ctx&c.m != 0 {
				ctx = append(ctx, c.l)
			}
		}
		out[i] = DirectiveInfo{Name: d.name, Context: strings.Join(ctx, " "), Default: d.def, Ignored: d.kind == kIgnored}
	}
	return out
}

func defaultSettings() *Settings {
	return &Settings{
		ChannelInfoOnPublish: true,
		MessageTemplate:      "~text~",
		DefaultType:          "text/plain",
		ClientMaxBodySize:    1024 * 1024,
		Gzip:                 Gzip{Types: []string{"text/html"}, MinLength: 20, HTTPVersion: "1.1", CompLevel: 1},
	}
}

func defaultGlobal() Global {
	return Global{
		ZoneName:                  "push_stream_module",
		ChannelDeletedMessageText: "Channel deleted",
		PingMessageText:           " ",
		ChannelInactivityTime:     30 * time.Second,
		MessageTTL:                30 * time.Minute,
	}
}

// ---- value parsers ----

func invalidValue(d *directive) error { return fmt.Errorf("%q directive invalid value", d.name) }

func pString(_ *directive, n *node, _ readFunc) (any, error) { return n.args[0].text, nil }

func pList(_ *directive, n *node, _ readFunc) (any, error) { return n.argStrings(), nil }

func pFlag(d *directive, n *node, _ readFunc) (any, error) { return parseFlag(d.name, n.args[0].text) }

func pNumber(d *directive, n *node, _ readFunc) (any, error) {
	v, ok := parseNumber(n.args[0].text)
	if !ok || v > int64(^uint32(0)>>1) {
		return nil, fmt.Errorf("%q directive invalid number", d.name)
	}
	return int(v), nil
}

func pSize(d *directive, n *node, _ readFunc) (any, error) {
	v, ok := parseSize(n.args[0].text)
	if !ok {
		return nil, invalidValue(d)
	}
	return v, nil
}

func pTime(allowMS bool) func(*directive, *node, readFunc) (any, error) {
	return func(d *directive, n *node, _ readFunc) (any, error) {
		v, ok := parseTime(n.args[0].text, allowMS)
		if !ok {
			return nil, invalidValue(d)
		}
		return v, nil
	}
}

func pComplex(_ *directive, n *node, _ readFunc) (any, error) { return CompileComplex(n.args[0].text) }

func pHTTPVersion(d *directive, n *node, _ readFunc) (any, error) {
	switch v := n.args[0].text; v {
	case "1.0", "1.1":
		return v, nil
	}
	return nil, invalidValue(d)
}

func pCompLevel(d *directive, n *node, _ readFunc) (any, error) {
	v, err := strconv.Atoi(n.args[0].text)
	if err != nil || v < 1 || v > 9 {
		return nil, invalidValue(d)
	}
	return v, nil
}

type shmVal struct {
	size int64
	name string
}

const minShmSize = 128 * 1024

func pShmSize(d *directive, n *node, _ readFunc) (any, error) {
	size, ok := parseSize(n.args[0].text)
	if !ok {
		return nil, invalidValue(d)
	}
	const page = 4096
	if size > (1<<62)-page {
		return nil, invalidValue(d)
	}
	size = (size + page - 1) / page * page
	if size < minShmSize {
		return nil, fmt.Errorf("The push_stream_shared_memory_size value must be at least %dKiB", minShmSize/1024)
	}
	v := shmVal{size: size}
	if len(n.args) > 1 {
		v.name = n.args[1].text
	}
	return v, nil
}

func pTemplateFile(_ *directive, n *node, read readFunc) (any, error) {
	path := n.args[0].text
	data, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("push stream module: unable to open file %q for header template", path)
	}
	return string(data), nil
}

func pPublisher(_ *directive, n *node, _ readFunc) (any, error) {
	h := handlerVal{kind: HandlerPublisher}
	if len(n.args) == 0 || n.args[0].text == "" {
		return h, nil
	}
	switch v := n.args[0].text; {
	case strings.EqualFold(v, "normal"):
	case strings.EqualFold(v, "admin"):
		h.admin = true
	default:
		return nil, fmt.Errorf("push stream module: invalid push_stream_publisher mode value: %s, accepted values (normal, admin)", v)
	}
	return h, nil
}

func pSubscriber(_ *directive, n *node, _ readFunc) (any, error) {
	h := handlerVal{kind: HandlerSubscriber, mode: ModeStreaming}
	if len(n.args) == 0 || n.args[0].text == "" {
		return h, nil
	}
	v := n.args[0].text
	for _, m := range []SubscriberMode{ModeStreaming, ModePolling, ModeLongPolling, ModeEventSource, ModeWebSocket} {
		if strings.EqualFold(v, m.String()) {
			h.mode = m
			return h, nil
		}
	}
	return nil, fmt.Errorf("push stream module: invalid push_stream_subscriber mode value: %s, accepted values (streaming, polling, long-polling, eventsource, websocket)", v)
}

// paddingPattern is the element grammar of push_stream_padding_by_user_agent.
var paddingPattern = regexp.MustCompile(`([^:]+),(\d+),(\d+)`)

// pPadding parses "re,hdr,msg[:re,hdr,msg...]" the way the original does:
// each element must match the pattern at its very start; the next element
// begins one byte after the match.
func pPadding(_ *directive, n *node, _ readFunc) (any, error) {
	rest := n.args[0].text
	var rules []PaddingRule
	for rest != "" {
		m := paddingPattern.FindStringSubmatchIndex(rest)
		if m == nil {
			return nil, fmt.Errorf("push stream module: padding pattern not match the value %s", rest)
		}
		if m[0] != 0 {
			return nil, fmt.Errorf("push stream module: error applying padding pattern to %s", rest)
		}
		re, err := regexp.Compile(rest[m[2]:m[3]])
		if err != nil {
			return nil, fmt.Errorf("push stream module: unable to compile agent pattern %s", rest[m[2]:m[3]])
		}
		hdr, err1 := strconv.Atoi(rest[m[4]:m[5]])
		msg, err2 := strconv.Atoi(rest[m[6]:m[7]])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("push stream module: error applying padding pattern to %s", rest)
		}
		rules = append(rules, PaddingRule{UserAgent: re, Header: hdr, Message: msg})
		if m[1]+1 >= len(rest) {
			break
		}
		rest = rest[m[1]+1:]
	}
	return rules, nil
}
