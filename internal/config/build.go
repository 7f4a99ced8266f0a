package config

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// layerVal is one directive value set in one block.
type layerVal struct {
	v    any
	file string
	line int
}

// layer holds the inheritable directives set in one block, by merge key.
type layer map[string]layerVal

// locState is a location waiting for the final merge.
type locState struct {
	loc    *Location
	layers []layer // outermost (http) first, own block last
	ifs    []ifState
}

type ifState struct {
	ifb   *If
	layer layer
}

type serverState struct {
	srv    *Server
	layers []layer
}

// builder interprets the syntax tree into a Config.
type builder struct {
	cfg         *Config
	ignoredSeen map[string]bool
	globalPos   map[string]layerVal // where each http-level directive was set
	httpFile    string
	httpLine    int
	sawHTTP     bool
	servers     []serverState
	locs        []*locState
	readFile    readFunc
}

// readFunc reads a file named by the configuration (includes, template files).
type readFunc func(path string) ([]byte, error)

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates a configuration; name is the file name used
// in messages and the base directory of relative includes.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, os.ReadFile)
}

func parse(name string, data []byte, readFile readFunc) (*Config, error) {
	tr := &treeReader{readFile: readFile}
	nodes, err := tr.parse(name, data, 0)
	if err != nil {
		return nil, err
	}
	b := &builder{
		cfg:         &Config{File: name, Global: defaultGlobal()},
		ignoredSeen: map[string]bool{},
		globalPos:   map[string]layerVal{},
		readFile:    readFile,
	}
	if err := b.main(nodes); err != nil {
		return nil, err
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	return b.cfg, nil
}

// check validates name, context, block form and arity of n.
func (b *builder) check(n *node, ctx ctxMask) (*directive, error) {
	d := lookupDirective(n.name)
	if d == nil {
		return nil, errAt(n.file, n.line, "unknown directive %q", n.name)
	}
	if d.ctx&ctx == 0 {
		return nil, errAt(n.file, n.line, "%q directive is not allowed here", n.name)
	}
	if d.kind == kIgnored {
		if !b.ignoredSeen[n.name] {
			b.ignoredSeen[n.name] = true
			b.cfg.Ignored = append(b.cfg.Ignored, n.name)
		}
		return d, nil
	}
	if d.block && !n.block {
		return nil, errAt(n.file, n.line, "directive %q has no opening \"{\"", n.name)
	}
	if !d.block && n.block {
		return nil, errAt(n.file, n.line, "directive %q is not terminated by \";\"", n.name)
	}
	if len(n.args) < d.min || (d.max >= 0 && len(n.args) > d.max) {
		return nil, errAt(n.file, n.line, "invalid number of arguments in %q directive", n.name)
	}
	return d, nil
}

// value handles the table-driven kinds (setting, global, handler); it
// reports false for kSpecial directives, which the caller handles.
func (b *builder) value(d *directive, n *node, lay layer, seen map[string]bool) (bool, error) {
	switch d.kind {
	case kIgnored:
		return true, nil
	case kSpecial:
		return false, nil
	case kGlobal:
		if seen[d.name] {
			return true, errAt(n.file, n.line, "%q directive is duplicate", n.name)
		}
		seen[d.name] = true
		v, err := d.parse(d, n, b.readFile)
		if err != nil {
			return true, errAt(n.file, n.line, "%s", err.Error())
		}
		d.global(&b.cfg.Global, v)
		b.globalPos[d.name] = layerVal{v: v, file: n.file, line: n.line}
		return true, nil
	}
	key := d.mergeKey()
	if _, dup := lay[key]; dup {
		if d.name == "push_stream_header_template_file" {
			return true, errAt(n.file, n.line, `"push_stream_header_template_file" directive is duplicate or template set by 'push_stream_header_template'`)
		}
		return true, errAt(n.file, n.line, "%q directive is duplicate", n.name)
	}
	v, err := d.parse(d, n, b.readFile)
	if err != nil {
		return true, errAt(n.file, n.line, "%s", err.Error())
	}
	lay[key] = layerVal{v: v, file: n.file, line: n.line}
	return true, nil
}

func (b *builder) main(nodes []*node) error {
	seen := map[string]bool{}
	for _, n := range nodes {
		d, err := b.check(n, ctxMain)
		if err != nil {
			return err
		}
		switch d.name {
		case "http":
			if err := b.http(n); err != nil {
				return err
			}
		case "events":
			for _, c := range n.children {
				if !b.ignoredSeen[c.name] {
					b.ignoredSeen[c.name] = true
					b.cfg.Ignored = append(b.cfg.Ignored, c.name)
				}
			}
		case "pid":
			if seen["pid"] {
				return errAt(n.file, n.line, `"pid" directive is duplicate`)
			}
			seen["pid"] = true
			b.cfg.PidFile = n.args[0].text
		case "error_log":
			b.errorLog(n)
		}
	}
	return nil
}

func (b *builder) errorLog(n *node) {
	b.cfg.ErrorLog = n.args[0].text
	if len(n.args) > 1 {
		b.cfg.ErrorLogLevel = n.args[1].text
	}
}

func (b *builder) http(n *node) error {
	if !b.sawHTTP {
		b.httpFile, b.httpLine, b.sawHTTP = n.file, n.line, true
	} else {
		b.cfg.Notices = append(b.cfg.Notices, fmt.Sprintf(
			"the http block in %s:%d shares the channels, memory budget and http-level settings of the one in %s:%d",
			n.file, n.line, b.httpFile, b.httpLine))
	}
	lay := layer{}
	seen := map[string]bool{}
	var servers []*node
	for _, c := range n.children {
		d, err := b.check(c, ctxHTTP)
		if err != nil {
			return err
		}
		if done, err := b.value(d, c, lay, seen); err != nil {
			return err
		} else if done {
			continue
		}
		switch d.name {
		case "server":
			servers = append(servers, c)
		case "types":
			if err := b.types(c, lay); err != nil {
				return err
			}
		case "error_log":
			b.errorLog(c)
		}
	}
	for _, s := range servers {
		if err := b.server(s, []layer{lay}); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) types(n *node, lay layer) error {
	if _, dup := lay["types"]; dup {
		return errAt(n.file, n.line, `"types" directive is duplicate`)
	}
	m := map[string]string{}
	for _, c := range n.children {
		if len(c.args) == 0 {
			return errAt(c.file, c.line, `invalid number of arguments in "types" directive`)
		}
		for _, ext := range c.args {
			m[strings.ToLower(ext.text)] = c.name
		}
	}
	lay["types"] = layerVal{v: m, file: n.file, line: n.line}
	return nil
}

func (b *builder) server(n *node, parents []layer) error {
	srv := &Server{File: n.file, Line: n.line}
	lay := layer{}
	layers := append(append([]layer{}, parents...), lay)
	seen := map[string]bool{}
	var locs []*node
	for _, c := range n.children {
		d, err := b.check(c, ctxServer)
		if err != nil {
			return err
		}
		if done, err := b.value(d, c, lay, seen); err != nil {
			return err
		} else if done {
			continue
		}
		switch d.name {
		case "listen":
			l, err := parseListen(c.argStrings())
			if err != nil {
				return errAt(c.file, c.line, "%s", err.Error())
			}
			srv.Listens = append(srv.Listens, l)
			markSSL(srv, l, c.argStrings()) // directives_ops.go
		case "server_name":
			for _, a := range c.args {
				if a.text != "" {
					srv.ServerNames = append(srv.ServerNames, strings.ToLower(a.text))
				}
			}
		case "location":
			locs = append(locs, c)
		case "types":
			if err := b.types(c, lay); err != nil {
				return err
			}
		case "error_log":
			b.errorLog(c)
		}
	}
	if len(srv.Listens) == 0 {
		srv.Listens = []Listen{{Addr: "0.0.0.0:80"}}
	}
	b.cfg.Servers = append(b.cfg.Servers, srv)
	b.servers = append(b.servers, serverState{srv: srv, layers: layers})
	for _, l := range locs {
		if err := b.location(srv, l, layers); err != nil {
			return err
		}
	}
	return nil
}

// parseListen parses `listen [ADDR:]PORT [flags...]`.
func parseListen(args []string) (Listen, error) {
	var l Listen
	for _, f := range args[1:] {
		if f == "default_server" || f == "default" {
			l.DefaultServer = true
		}
	}
	a := args[0]
	host, port := "", ""
	switch {
	case strings.HasPrefix(a, "unix:"):
		return l, fmt.Errorf("unix sockets are not supported in %q", a)
	case strings.HasPrefix(a, "["):
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return l, fmt.Errorf("invalid IPv6 address in %q of the \"listen\" directive", a)
		}
		host = a[1:end]
		port = strings.TrimPrefix(a[end+1:], ":")
		if port == "" {
			port = "80"
		}
	default:
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			host, port = a[:i], a[i+1:]
		} else if _, ok := parseNumber(a); ok {
			port = a
		} else {
			host, port = a, "80"
		}
	}
	if host == "" || host == "*" {
		host = "0.0.0.0"
	}
	p, ok := parseNumber(port)
	if !ok || p < 1 || p > 65535 {
		return l, fmt.Errorf("invalid port in %q of the \"listen\" directive", a)
	}
	l.Addr = net.JoinHostPort(host, strconv.FormatInt(p, 10))
	return l, nil
}

func (b *builder) location(srv *Server, n *node, parents []layer) error {
	loc := &Location{File: n.file, Line: n.line}
	if err := parseLocationMatch(loc, n.argStrings()); err != nil {
		return errAt(n.file, n.line, "%s", err.Error())
	}
	lay := layer{}
	layers := append(append([]layer{}, parents...), lay)
	ls := &locState{loc: loc, layers: layers}
	srv.Locations = append(srv.Locations, loc)
	b.locs = append(b.locs, ls)
	seen := map[string]bool{}
	var nested []*node
	for _, c := range n.children {
		d, err := b.check(c, ctxLoc)
		if err != nil {
			return err
		}
		if d.kind == kHandler {
			if _, dup := lay["handler"]; dup {
				return errAt(c.file, c.line, "%q directive is duplicate", c.name)
			}
		}
		if done, err := b.value(d, c, lay, seen); err != nil {
			return err
		} else if done {
			continue
		}
		switch d.name {
		case "location":
			nested = append(nested, c)
		case "if":
			st, err := b.ifBlock(c)
			if err != nil {
				return err
			}
			ls.ifs = append(ls.ifs, st)
		case "return":
			if seen["return"] {
				continue // nginx stops at the first return
			}
			seen["return"] = true
			r, err := parseReturn(c.argStrings())
			if err != nil {
				return errAt(c.file, c.line, "%s", err.Error())
			}
			loc.Return = r
		case "types":
			if err := b.types(c, lay); err != nil {
				return err
			}
		case "error_log":
			b.errorLog(c)
		}
	}
	for _, c := range nested {
		if err := b.location(srv, c, layers); err != nil {
			return err
		}
	}
	return nil
}

func parseLocationMatch(loc *Location, args []string) error {
	mod, pat := "", args[0]
	if len(args) == 2 {
		mod, pat = args[0], args[1]
	} else {
		for _, m := range []string{"^~", "~*", "=", "~"} {
			if strings.HasPrefix(pat, m) && len(pat) > len(m) {
				mod, pat = m, pat[len(m):]
				break
			}
		}
	}
	switch mod {
	case "":
		loc.Match = MatchPrefix
	case "^~":
		loc.Match = MatchPrefixNoRegex
	case "=":
		loc.Match = MatchExact
	case "~", "~*":
		loc.Match = MatchRegex
		expr := pat
		if mod == "~*" {
			loc.Match = MatchRegexCaseless
			expr = "(?i)" + pat
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("invalid location regex %q: %v", pat, err)
		}
		loc.Regexp = re
	default:
		return fmt.Errorf("invalid location modifier %q", mod)
	}
	loc.Pattern = pat
	return nil
}

func parseReturn(args []string) (*Return, error) {
	code, ok := parseNumber(args[0])
	if !ok {
		if len(args) == 1 && (strings.HasPrefix(args[0], "http://") || strings.HasPrefix(args[0], "https://") || strings.HasPrefix(args[0], "$scheme")) {
			return &Return{Code: 302, Text: args[0]}, nil
		}
		return nil, fmt.Errorf("invalid return code %q", args[0])
	}
	if code > 999 {
		return nil, fmt.Errorf("invalid return code %q", args[0])
	}
	r := &Return{Code: int(code)}
	if len(args) > 1 {
		r.Text = args[1]
	}
	return r, nil
}

// ifBlock parses `if (COND) { ... }`.
func (b *builder) ifBlock(n *node) (ifState, error) {
	args := n.argStrings()
	first := args[0]
	if !strings.HasPrefix(first, "(") {
		return ifState{}, errAt(n.file, n.line, "invalid condition %q", first)
	}
	args[0] = first[1:]
	last := len(args) - 1
	if !n.args[last].quoted {
		if !strings.HasSuffix(args[last], ")") {
			return ifState{}, errAt(n.file, n.line, "invalid condition %q", args[last])
		}
		args[last] = strings.TrimSuffix(args[last], ")")
	}
	var cleaned []string
	for i, a := range args {
		if a == "" && !n.args[i].quoted {
			continue // a bare "(" or ")" token
		}
		cleaned = append(cleaned, a)
	}
	cond, err := compileCond(cleaned)
	if err != nil {
		return ifState{}, errAt(n.file, n.line, "%s", err.Error())
	}
	st := ifState{ifb: &If{Cond: cond}, layer: layer{}}
	seen := map[string]bool{}
	for _, c := range n.children {
		d, err := b.check(c, ctxIf)
		if err != nil {
			return ifState{}, err
		}
		if done, err := b.value(d, c, st.layer, seen); err != nil {
			return ifState{}, err
		} else if done {
			continue
		}
		if d.name == "return" && st.ifb.Return == nil {
			r, err := parseReturn(c.argStrings())
			if err != nil {
				return ifState{}, errAt(c.file, c.line, "%s", err.Error())
			}
			st.ifb.Return = r
		}
	}
	return st, nil
}

// merge builds effective settings from layers (outermost first) and
// reports, per merge key, the innermost block that set it.
func (b *builder) merge(layers []layer) (*Settings, map[string]layerVal) {
	final := map[string]layerVal{}
	for _, l := range layers {
		for k, v := range l {
			final[k] = v
		}
	}
	s := defaultSettings()
	for _, d := range directiveTable {
		if d.kind != kSetting || d.apply == nil {
			continue
		}
		if lv, ok := final[d.mergeKey()]; ok {
			d.apply(s, lv.v)
		}
	}
	if lv, ok := final["types"]; ok {
		s.Types = lv.v.(map[string]string)
	}
	if _, ok := final["push_stream_longpolling_connection_ttl"]; !ok {
		s.LongpollingConnTTL = s.SubscriberConnectionTTL
	}
	if _, ok := final["push_stream_wildcard_channel_max_qtd"]; !ok {
		s.WildcardChannelMaxQtd = b.cfg.Global.MaxNumberOfWildcardChannels
	}
	if !containsString(s.Gzip.Types, "text/html") {
		s.Gzip.Types = append(append([]string{}, s.Gzip.Types...), "text/html")
	}
	return s, final
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// finish merges every location and runs the checks of config.md §9.
func (b *builder) finish() error {
	g := &b.cfg.Global
	for _, ss := range b.servers {
		ss.srv.Settings, _ = b.merge(ss.layers)
		ss.srv.KeepaliveTimeout = 75 * time.Second
		for _, l := range ss.layers {
			if lv, ok := l["keepalive_timeout"]; ok {
				ss.srv.KeepaliveTimeout = lv.v.(time.Duration)
			}
		}
	}
	finals := make([]map[string]layerVal, len(b.locs))
	for i, ls := range b.locs {
		s, final := b.merge(ls.layers)
		ls.loc.Settings = s
		finals[i] = final
		if lv, ok := final["handler"]; ok {
			h := lv.v.(handlerVal)
			ls.loc.Handler, ls.loc.PublisherAdmin, ls.loc.Mode = h.kind, h.admin, h.mode
			b.cfg.UsesPushStream = true
		}
		for _, st := range ls.ifs {
			st.ifb.Settings, _ = b.merge(append(append([]layer{}, ls.layers...), st.layer))
			ls.loc.Ifs = append(ls.loc.Ifs, st.ifb)
		}
	}
	b.paddingMax()
	if !b.cfg.UsesPushStream {
		b.cfg.Notices = append(b.cfg.Notices, "ngx_http_push_stream_module will not be used with this configuration.")
		return nil
	}
	if g.SharedMemorySize == 0 {
		file, line := b.httpFile, b.httpLine
		if file == "" {
			file, line = b.cfg.File, 1
		}
		return errAt(file, line, "push stream module: push_stream_shared_memory_size must be set.")
	}
	for _, z := range []struct {
		name string
		val  int64
	}{
		{"push_stream_max_number_of_channels", int64(g.MaxNumberOfChannels)},
		{"push_stream_max_number_of_wildcard_channels", int64(g.MaxNumberOfWildcardChannels)},
		{"push_stream_message_ttl", int64(g.MessageTTL)},
		{"push_stream_max_subscribers_per_channel", int64(g.MaxSubscribersPerChannel)},
		{"push_stream_max_messages_stored_per_channel", int64(g.MaxMessagesStoredPerChannel)},
		{"push_stream_max_channel_id_length", int64(g.MaxChannelIDLength)},
	} {
		if pos, ok := b.globalPos[z.name]; ok && z.val == 0 {
			return errAt(pos.file, pos.line, "push stream module: %s cannot be zero.", z.name)
		}
	}
	for i, ls := range b.locs {
		if ls.loc.Handler == HandlerNone || isOpsHandler(ls.loc.Handler) {
			continue
		}
		if err := b.checkLocation(ls.loc, finals[i]); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) checkLocation(loc *Location, final map[string]layerVal) error {
	s := loc.Settings
	g := &b.cfg.Global
	at := func(key string) (string, int) {
		if lv, ok := final[key]; ok {
			return lv.file, lv.line
		}
		return loc.File, loc.Line
	}
	if s.ChannelsPath == nil {
		return errAt(loc.File, loc.Line, "push stream module: push_stream_channels_path must be set.")
	}
	for _, z := range []struct {
		key  string
		zero bool
	}{
		{"push_stream_ping_message_interval", s.PingMessageInterval == 0},
		{"push_stream_subscriber_connection_ttl", s.SubscriberConnectionTTL == 0},
		{"push_stream_longpolling_connection_ttl", s.LongpollingConnTTL == 0},
	} {
		if _, set := final[z.key]; set && z.zero {
			f, l := at(z.key)
			return errAt(f, l, "push stream module: %s cannot be zero.", z.key)
		}
	}
	if s.MessageTemplate == "" {
		f, l := at("push_stream_message_template")
		return errAt(f, l, "push stream module: push_stream_message_template cannot be blank.")
	}
	const qtd = "push_stream_wildcard_channel_max_qtd"
	_, qtdSet := final[qtd]
	if qtdSet && s.WildcardChannelMaxQtd == 0 {
		f, l := at(qtd)
		return errAt(f, l, "push stream module: %s cannot be zero.", qtd)
	}
	if s.WildcardChannelMaxQtd > 0 && g.WildcardChannelPrefix == "" {
		f, l := at(qtd)
		return errAt(f, l, "push stream module: cannot set wildcard channel max qtd if push_stream_wildcard_channel_prefix is not set or blank.")
	}
	if g.MaxNumberOfWildcardChannels > 0 && g.MaxNumberOfWildcardChannels < s.WildcardChannelMaxQtd {
		f, l := at(qtd)
		return errAt(f, l, "push stream module: max number of wildcard channels cannot be smaller than value in push_stream_wildcard_channel_max_qtd.")
	}
	return nil
}

// paddingMax computes Global.PaddingMax over every padding rule written anywhere.
func (b *builder) paddingMax() {
	max := 0
	visit := func(l layer) {
		if lv, ok := l["push_stream_padding_by_user_agent"]; ok {
			for _, r := range lv.v.([]PaddingRule) {
				if r.Header > max {
					max = r.Header
				}
				if r.Message > max {
					max = r.Message
				}
			}
		}
	}
	for _, ss := range b.servers {
		for _, l := range ss.layers {
			visit(l)
		}
	}
	for _, ls := range b.locs {
		for _, l := range ls.layers {
			visit(l)
		}
	}
	b.cfg.Global.PaddingMax = max
}
