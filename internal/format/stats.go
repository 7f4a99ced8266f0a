package format

import "strconv"

// ChannelInfo is one channel's line in a statistics document.
type ChannelInfo struct {
	ID          string
	Published   int64 // the channel's last message id
	Stored      int64 // queue length
	Subscribers int64
}

// GroupHead is the head of a group document; the counts are server totals.
type GroupHead struct {
	Hostname         string
	Time             string // StatsTime(now)
	Channels         int64
	WildcardChannels int64
	Uptime           int64
}

// Worker is one by_worker entry of the summarized document.
type Worker struct {
	Pid         int64
	Subscribers int64
	Uptime      int64
}

// Summary is the summarized document (statistics.md §5).
type Summary struct {
	Hostname          string
	Time              string
	Channels          int64
	WildcardChannels  int64
	PublishedMessages int64
	StoredMessages    int64
	MessagesInTrash   int64
	ChannelsInDelete  int64
	ChannelsInTrash   int64
	Subscribers       int64
	Uptime            int64
	Workers           []Worker
}

const (
	crlf      = "\r\n"
	xmlProlog = `<?xml version="1.0" encoding="UTF-8" ?>` + crlf
)

// AppendChannel appends the single-channel document for c in format f.
func AppendChannel(dst []byte, f DocFormat, c ChannelInfo) []byte {
	switch f.family() {
	case Plain:
		dst = appendChannelPlain(dst, c)
		return append(dst, crlf...)
	case YAML:
		dst = appendChannelYAML(dst, c)
		return append(dst, crlf...)
	case XML:
		dst = append(dst, xmlProlog...)
		dst = appendChannelXML(dst, c)
		return append(dst, crlf...)
	default:
		dst = appendChannelJSON(dst, c)
		return append(dst, crlf...)
	}
}

// AppendGroup appends a group document (a head and every channel, possibly
// none) in format f.
func AppendGroup(dst []byte, f DocFormat, h GroupHead, chans []ChannelInfo) []byte {
	fam := f.family()
	switch fam {
	case Plain:
		dst = append(dst, "hostname: "...)
		dst = append(dst, h.Hostname...)
		dst = append(dst, ", time: "...)
		dst = append(dst, h.Time...)
		dst = appendNum(dst, ", channels: ", h.Channels)
		dst = appendNum(dst, ", wildcard_channels: ", h.WildcardChannels)
		dst = appendNum(dst, ", uptime: ", h.Uptime)
		dst = append(dst, ", infos: "+crlf...)
	case YAML:
		dst = append(dst, "hostname: "...)
		dst = append(dst, h.Hostname...)
		dst = append(dst, crlf+"time: "...)
		dst = append(dst, h.Time...)
		dst = appendNum(dst, crlf+"channels: ", h.Channels)
		dst = appendNum(dst, crlf+"wildcard_channels: ", h.WildcardChannels)
		dst = appendNum(dst, crlf+"uptime: ", h.Uptime)
		dst = append(dst, crlf+"infos: "+crlf...)
	case XML:
		dst = append(dst, xmlProlog+"<root>"+crlf+"  <hostname>"...)
		dst = appendXMLText(dst, h.Hostname)
		dst = append(dst, "</hostname>"+crlf+"  <time>"...)
		dst = appendXMLText(dst, h.Time)
		dst = append(dst, "</time>"+crlf...)
		dst = appendXMLNum(dst, "  <channels>", h.Channels, "</channels>"+crlf)
		dst = appendXMLNum(dst, "  <wildcard_channels>", h.WildcardChannels, "</wildcard_channels>"+crlf)
		dst = appendXMLNum(dst, "  <uptime>", h.Uptime, "</uptime>"+crlf)
		dst = append(dst, "  <infos>"+crlf...)
	default:
		dst = append(dst, `{"hostname": "`...)
		dst = appendJSONString(dst, h.Hostname)
		dst = append(dst, `", "time": "`...)
		dst = appendJSONString(dst, h.Time)
		dst = appendNum(dst, `", "channels": `, h.Channels)
		dst = appendNum(dst, `, "wildcard_channels": `, h.WildcardChannels)
		dst = appendNum(dst, `, "uptime": `, h.Uptime)
		dst = append(dst, `, "infos": [`+crlf...)
	}

	for i, c := range chans {
		last := i == len(chans)-1
		switch fam {
		case Plain:
			dst = appendChannelPlain(dst, c)
			if !last {
				dst = append(dst, ","+crlf...)
			}
		case YAML:
			dst = append(dst, " -"+crlf...)
			dst = appendChannelYAML(dst, c)
			if !last {
				dst = append(dst, crlf...)
			}
		case XML:
			dst = appendChannelXML(dst, c)
		default:
			dst = appendChannelJSON(dst, c)
			if last {
				dst = append(dst, crlf...)
			} else {
				dst = append(dst, ","+crlf...)
			}
		}
	}

	switch fam {
	case Plain, YAML:
		return append(dst, crlf...)
	case XML:
		return append(dst, "  </infos>"+crlf+"</root>"+crlf...)
	default:
		return append(dst, "]}"+crlf...)
	}
}

// AppendSummary appends the summarized document in format f.
func AppendSummary(dst []byte, f DocFormat, s Summary) []byte {
	switch f.family() {
	case Plain:
		return appendSummaryPlain(dst, s)
	case YAML:
		return appendSummaryYAML(dst, s)
	case XML:
		return appendSummaryXML(dst, s)
	default:
		return appendSummaryJSON(dst, s)
	}
}

// The channel items below end without their last line break: single and
// group documents add different separators after them (XML excepted).

func appendChannelJSON(dst []byte, c ChannelInfo) []byte {
	dst = append(dst, `{"channel": "`...)
	dst = appendJSONString(dst, c.ID)
	dst = appendNum(dst, `", "published_messages": `, c.Published)
	dst = appendNum(dst, `, "stored_messages": `, c.Stored)
	dst = appendNum(dst, `, "subscribers": `, c.Subscribers)
	return append(dst, '}')
}

func appendChannelPlain(dst []byte, c ChannelInfo) []byte {
	dst = append(dst, "channel: "...)
	dst = append(dst, c.ID...)
	dst = appendNum(dst, crlf+"published_messages: ", c.Published)
	dst = appendNum(dst, crlf+"stored_messages: ", c.Stored)
	return appendNum(dst, crlf+"active_subscribers: ", c.Subscribers)
}

func appendChannelYAML(dst []byte, c ChannelInfo) []byte {
	dst = append(dst, "  channel: "...)
	dst = append(dst, c.ID...)
	dst = appendNum(dst, crlf+"  published_messages: ", c.Published)
	dst = appendNum(dst, crlf+"  stored_messages: ", c.Stored)
	return appendNum(dst, crlf+"  subscribers: ", c.Subscribers)
}

// appendChannelXML appends a whole <channel> element, final CRLF included.
func appendChannelXML(dst []byte, c ChannelInfo) []byte {
	dst = append(dst, "<channel>"+crlf+"  <name>"...)
	dst = appendXMLText(dst, c.ID)
	dst = append(dst, "</name>"+crlf...)
	dst = appendXMLNum(dst, "  <published_messages>", c.Published, "</published_messages>"+crlf)
	dst = appendXMLNum(dst, "  <stored_messages>", c.Stored, "</stored_messages>"+crlf)
	dst = appendXMLNum(dst, "  <subscribers>", c.Subscribers, "</subscribers>"+crlf)
	return append(dst, "</channel>"+crlf...)
}

func appendSummaryJSON(dst []byte, s Summary) []byte {
	dst = append(dst, `{"hostname": "`...)
	dst = appendJSONString(dst, s.Hostname)
	dst = append(dst, `", "time": "`...)
	dst = appendJSONString(dst, s.Time)
	dst = append(dst, '"')
	for _, c := range s.counters() {
		dst = append(dst, `, "`...)
		dst = appendNum(append(dst, c.name...), `": `, c.v)
	}
	dst = append(dst, `, "by_worker": [`+crlf...)
	for i, w := range s.Workers {
		if i > 0 {
			dst = append(dst, ","+crlf...)
		}
		dst = appendNum(dst, `{"pid": "`, w.Pid)
		dst = appendNum(dst, `", "subscribers": `, w.Subscribers)
		dst = appendNum(dst, `, "uptime": `, w.Uptime)
		dst = append(dst, '}')
	}
	return append(dst, crlf+"]}"+crlf...)
}

func appendSummaryPlain(dst []byte, s Summary) []byte {
	dst = append(dst, "hostname: "...)
	dst = append(dst, s.Hostname...)
	dst = append(dst, crlf+"time: "...)
	dst = append(dst, s.Time...)
	for _, c := range s.counters() {
		dst = append(dst, crlf...)
		dst = appendNum(append(dst, c.name...), ": ", c.v)
	}
	dst = append(dst, crlf+"by_worker:"+crlf...)
	for i, w := range s.Workers {
		if i > 0 {
			dst = append(dst, ","+crlf...)
		}
		dst = appendNum(dst, "  pid: ", w.Pid)
		dst = appendNum(dst, crlf+"  subscribers: ", w.Subscribers)
		dst = appendNum(dst, crlf+"  uptime: ", w.Uptime)
	}
	return append(dst, crlf...)
}

func appendSummaryYAML(dst []byte, s Summary) []byte {
	dst = append(dst, "  hostname: "...)
	dst = append(dst, s.Hostname...)
	dst = append(dst, crlf+"  time: "...)
	dst = append(dst, s.Time...)
	for _, c := range s.counters() {
		dst = append(dst, crlf+"  "...)
		dst = appendNum(append(dst, c.name...), ": ", c.v)
	}
	dst = append(dst, crlf+"  by_worker:"+crlf...)
	for i, w := range s.Workers {
		if i > 0 {
			dst = append(dst, crlf...)
		}
		dst = appendNum(dst, "   -"+crlf+"    pid: ", w.Pid)
		dst = appendNum(dst, crlf+"    subscribers: ", w.Subscribers)
		dst = appendNum(dst, crlf+"    uptime: ", w.Uptime)
	}
	return append(dst, crlf...)
}

func appendSummaryXML(dst []byte, s Summary) []byte {
	dst = append(dst, xmlProlog+"<infos>"+crlf+"  <hostname>"...)
	dst = appendXMLText(dst, s.Hostname)
	dst = append(dst, "</hostname>"+crlf+"  <time>"...)
	dst = appendXMLText(dst, s.Time)
	dst = append(dst, "</time>"+crlf...)
	for _, c := range s.counters() {
		dst = append(append(append(dst, "  <"...), c.name...), '>')
		dst = strconv.AppendInt(dst, c.v, 10)
		dst = append(append(append(dst, "</"...), c.name...), ">"+crlf...)
	}
	dst = append(dst, "  <by_worker>"...)
	for _, w := range s.Workers {
		dst = append(dst, "<worker>"+crlf...)
		dst = appendXMLNum(dst, "  <pid>", w.Pid, "</pid>"+crlf)
		dst = appendXMLNum(dst, "  <subscribers>", w.Subscribers, "</subscribers>"+crlf)
		dst = appendXMLNum(dst, "  <uptime>", w.Uptime, "</uptime>"+crlf)
		dst = append(dst, "</worker>"+crlf...)
	}
	return append(dst, "</by_worker>"+crlf+"</infos>"+crlf...)
}

// counter is one number of the summary under its name in every format.
type counter struct {
	name string
	v    int64
}

// counters are the summary's numbers in document order.
func (s Summary) counters() [9]counter {
	return [9]counter{
		{"channels", s.Channels},
		{"wildcard_channels", s.WildcardChannels},
		{"published_messages", s.PublishedMessages},
		{"stored_messages", s.StoredMessages},
		{"messages_in_trash", s.MessagesInTrash},
		{"channels_in_delete", s.ChannelsInDelete},
		{"channels_in_trash", s.ChannelsInTrash},
		{"subscribers", s.Subscribers},
		{"uptime", s.Uptime},
	}
}

func appendNum(dst []byte, prefix string, v int64) []byte {
	dst = append(dst, prefix...)
	return strconv.AppendInt(dst, v, 10)
}

func appendXMLNum(dst []byte, open string, v int64, closeTag string) []byte {
	dst = appendNum(dst, open, v)
	return append(dst, closeTag...)
}
