package format

import (
	"fmt"
	"strings"
	"testing"
)

// lit turns the spec's written `\r\n` into real CRLFs, so that the expected
// strings below read exactly like statistics.md.
func lit(s string) string { return strings.ReplaceAll(s, `\r\n`, "\r\n") }

var (
	specCh1  = ChannelInfo{ID: "ch1", Published: 1, Stored: 1, Subscribers: 0}
	specCh2  = ChannelInfo{ID: "ch2", Published: 1, Stored: 1, Subscribers: 0}
	specHead = GroupHead{Hostname: "h", Time: "2024-05-01T12:00:00", Channels: 2, Uptime: 7}
)

func TestAppendChannel(t *testing.T) {
	jsonDoc := lit(`{"channel": "ch1", "published_messages": 1, "stored_messages": 1, "subscribers": 0}\r\n`)
	yamlDoc := lit(`  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n`)
	tests := []struct {
		f    DocFormat
		want string
	}{
		{JSON, jsonDoc},
		{XJSON, jsonDoc},
		{Plain, lit(`channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n`)},
		{YAML, yamlDoc},
		{XYAML, yamlDoc},
		{XML, lit(`<?xml version="1.0" encoding="UTF-8" ?>\r\n<channel>\r\n  <name>ch1</name>\r\n  <published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n</channel>\r\n\r\n`)},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			if got := string(AppendChannel(nil, tc.f, specCh1)); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestAppendGroup(t *testing.T) {
	jsonDoc := lit(`{"hostname": "h", "time": "2024-05-01T12:00:00", "channels": 2, "wildcard_channels": 0, "uptime": 7, "infos": [\r\n` +
		`{"channel": "ch1", "published_messages": 1, "stored_messages": 1, "subscribers": 0},\r\n` +
		`{"channel": "ch2", "published_messages": 1, "stored_messages": 1, "subscribers": 0}\r\n` +
		`]}\r\n`)
	yamlDoc := lit(`hostname: h\r\ntime: 2024-05-01T12:00:00\r\nchannels: 2\r\nwildcard_channels: 0\r\nuptime: 7\r\ninfos: \r\n` +
		` -\r\n  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n` +
		` -\r\n  channel: ch2\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n`)
	tests := []struct {
		f    DocFormat
		want string
	}{
		{JSON, jsonDoc},
		{XJSON, jsonDoc},
		{Plain, lit(`hostname: h, time: 2024-05-01T12:00:00, channels: 2, wildcard_channels: 0, uptime: 7, infos: \r\n` +
			`channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0,\r\n` +
			`channel: ch2\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n`)},
		{YAML, yamlDoc},
		{XYAML, yamlDoc},
		{XML, lit(`<?xml version="1.0" encoding="UTF-8" ?>\r\n<root>\r\n  <hostname>h</hostname>\r\n  <time>2024-05-01T12:00:00</time>\r\n  <channels>2</channels>\r\n  <wildcard_channels>0</wildcard_channels>\r\n  <uptime>7</uptime>\r\n  <infos>\r\n` +
			`<channel>\r\n  <name>ch1</name>\r\n  <published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n</channel>\r\n` +
			`<channel>\r\n  <name>ch2</name>\r\n  <published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n</channel>\r\n` +
			`  </infos>\r\n</root>\r\n`)},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			if got := string(AppendGroup(nil, tc.f, specHead, []ChannelInfo{specCh1, specCh2})); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestAppendGroupEmpty(t *testing.T) {
	h := specHead
	h.Channels = 0
	tests := []struct {
		f    DocFormat
		want string
	}{
		{JSON, lit(`{"hostname": "h", "time": "2024-05-01T12:00:00", "channels": 0, "wildcard_channels": 0, "uptime": 7, "infos": [\r\n]}\r\n`)},
		{Plain, lit(`hostname: h, time: 2024-05-01T12:00:00, channels: 0, wildcard_channels: 0, uptime: 7, infos: \r\n\r\n`)},
		{YAML, lit(`hostname: h\r\ntime: 2024-05-01T12:00:00\r\nchannels: 0\r\nwildcard_channels: 0\r\nuptime: 7\r\ninfos: \r\n\r\n`)},
		{XML, lit(`<?xml version="1.0" encoding="UTF-8" ?>\r\n<root>\r\n  <hostname>h</hostname>\r\n  <time>2024-05-01T12:00:00</time>\r\n  <channels>0</channels>\r\n  <wildcard_channels>0</wildcard_channels>\r\n  <uptime>7</uptime>\r\n  <infos>\r\n  </infos>\r\n</root>\r\n`)},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			if got := string(AppendGroup(nil, tc.f, h, nil)); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestAppendGroupSingleEntry(t *testing.T) {
	// A one-entry group (ALL / prefix listing) uses the group form, last-item rules.
	h := specHead
	h.Channels = 1
	want := lit(`{"hostname": "h", "time": "2024-05-01T12:00:00", "channels": 1, "wildcard_channels": 0, "uptime": 7, "infos": [\r\n` +
		`{"channel": "ch1", "published_messages": 1, "stored_messages": 1, "subscribers": 0}\r\n]}\r\n`)
	if got := string(AppendGroup(nil, JSON, h, []ChannelInfo{specCh1})); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestAppendSummary(t *testing.T) {
	// Every counter has its own value: a number under the wrong name shows.
	s := Summary{Hostname: "h", Time: "2024-05-01T12:00:00", Channels: 1, WildcardChannels: 2, PublishedMessages: 3,
		StoredMessages: 4, MessagesInTrash: 5, ChannelsInDelete: 6, ChannelsInTrash: 7, Subscribers: 8,
		Uptime: 9, Workers: []Worker{{Pid: 4242, Subscribers: 0, Uptime: 7}}}
	jsonDoc := lit(`{"hostname": "h", "time": "2024-05-01T12:00:00", "channels": 1, "wildcard_channels": 2, "published_messages": 3, "stored_messages": 4, "messages_in_trash": 5, "channels_in_delete": 6, "channels_in_trash": 7, "subscribers": 8, "uptime": 9, "by_worker": [\r\n{"pid": "4242", "subscribers": 0, "uptime": 7}\r\n]}\r\n`)
	yamlDoc := lit(`  hostname: h\r\n  time: 2024-05-01T12:00:00\r\n  channels: 1\r\n  wildcard_channels: 2\r\n  published_messages: 3\r\n  stored_messages: 4\r\n  messages_in_trash: 5\r\n  channels_in_delete: 6\r\n  channels_in_trash: 7\r\n  subscribers: 8\r\n  uptime: 9\r\n  by_worker:\r\n   -\r\n    pid: 4242\r\n    subscribers: 0\r\n    uptime: 7\r\n`)
	tests := []struct {
		f    DocFormat
		want string
	}{
		{JSON, jsonDoc},
		{XJSON, jsonDoc},
		{Plain, lit(`hostname: h\r\ntime: 2024-05-01T12:00:00\r\nchannels: 1\r\nwildcard_channels: 2\r\npublished_messages: 3\r\nstored_messages: 4\r\nmessages_in_trash: 5\r\nchannels_in_delete: 6\r\nchannels_in_trash: 7\r\nsubscribers: 8\r\nuptime: 9\r\nby_worker:\r\n  pid: 4242\r\n  subscribers: 0\r\n  uptime: 7\r\n`)},
		{YAML, yamlDoc},
		{XYAML, yamlDoc},
		{XML, lit(`<?xml version="1.0" encoding="UTF-8" ?>\r\n<infos>\r\n  <hostname>h</hostname>\r\n  <time>2024-05-01T12:00:00</time>\r\n  <channels>1</channels>\r\n  <wildcard_channels>2</wildcard_channels>\r\n  <published_messages>3</published_messages>\r\n  <stored_messages>4</stored_messages>\r\n  <messages_in_trash>5</messages_in_trash>\r\n  <channels_in_delete>6</channels_in_delete>\r\n  <channels_in_trash>7</channels_in_trash>\r\n  <subscribers>8</subscribers>\r\n  <uptime>9</uptime>\r\n  <by_worker><worker>\r\n  <pid>4242</pid>\r\n  <subscribers>0</subscribers>\r\n  <uptime>7</uptime>\r\n</worker>\r\n</by_worker>\r\n</infos>\r\n`)},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			if got := string(AppendSummary(nil, tc.f, s)); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestStatsEscaping(t *testing.T) {
	c := ChannelInfo{ID: "a\"b\\c<&>'\n\x01"}
	tests := []struct {
		f    DocFormat
		want string // a fragment that must appear
	}{
		{JSON, `{"channel": "a\"b\\c<&>'\n\u0001", `},
		{XML, "<name>a&quot;b\\c&lt;&amp;&gt;&apos;\n\x01</name>"},
		{Plain, "channel: " + c.ID + "\r\n"},
		{YAML, "  channel: " + c.ID + "\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			got := string(AppendChannel(nil, tc.f, c))
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
	h := GroupHead{Hostname: `x"<y`, Time: "t"}
	if got := string(AppendGroup(nil, JSON, h, nil)); !strings.HasPrefix(got, `{"hostname": "x\"<y", `) {
		t.Errorf("json hostname not escaped: %q", got)
	}
	if got := string(AppendSummary(nil, XML, Summary{Hostname: `x"<y`})); !strings.Contains(got, "<hostname>x&quot;&lt;y</hostname>") {
		t.Errorf("xml hostname not escaped: %q", got)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept string
		want   DocFormat
		ctype  string
	}{
		{"", JSON, "application/json"},
		{"*/*", JSON, "application/json"},
		{"text/html", JSON, "application/json"},
		{"text/plain", Plain, "text/plain"},
		{"application/json", JSON, "application/json"},
		{"application/yaml", YAML, "application/yaml"},
		{"application/xml", XML, "application/xml"},
		{"text/x-json", XJSON, "text/x-json"},
		{"text/x-yaml", XYAML, "text/x-yaml"},
		{"text/html,application/xml", XML, "application/xml"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9", XML, "application/xml"},
		{"application/xml, text/plain", XML, "application/xml"},
		{"text/PLAIN", JSON, "application/json"}, // case-sensitive
		{"text/plainish", Plain, "text/plain"},   // prefix match
		{"plain", JSON, "application/json"},      // only after '/'
		{"/", JSON, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.accept, func(t *testing.T) {
			f := Negotiate(tc.accept)
			if f != tc.want || f.ContentType() != tc.ctype {
				t.Errorf("Negotiate(%q) = %v (%s), want %v (%s)", tc.accept, f, f.ContentType(), tc.want, tc.ctype)
			}
		})
	}
}

func TestStatsPinnedRegexes(t *testing.T) {
	// statistics.md §6: what the acceptance tests match in each format.
	s := Summary{Hostname: "h", Time: "t", StoredMessages: 1, Workers: []Worker{{Pid: 1}}}
	for _, tc := range []struct {
		f    DocFormat
		frag string
	}{
		{JSON, `"stored_messages": 1, `}, {XJSON, `"stored_messages": 1, `},
		{Plain, "stored_messages: 1\r\n"}, {YAML, "stored_messages: 1\r\n"}, {XYAML, "stored_messages: 1\r\n"},
		{XML, "<stored_messages>1</stored_messages>"},
	} {
		if got := string(AppendSummary(nil, tc.f, s)); !strings.Contains(got, tc.frag) {
			t.Errorf("%v: %q lacks %q", tc.f, got, tc.frag)
		}
	}
}

func TestAppendGroupLarge(t *testing.T) {
	chans := make([]ChannelInfo, 20000)
	for i := range chans {
		chans[i] = ChannelInfo{ID: fmt.Sprintf("ch_%d", i+1), Published: int64(i)}
	}
	for _, f := range []DocFormat{JSON, Plain, YAML, XML} {
		b := AppendGroup(nil, f, specHead, chans)
		if n := strings.Count(string(b), "ch_"); n != len(chans) {
			t.Errorf("%v: %d entries, want %d", f, n, len(chans))
		}
	}
}
