package format

import (
	"fmt"
	"testing"

	"github.com/pushstream/pushstream/internal/hub"
)

func BenchmarkTemplate(b *testing.B) {
	tm := Compile(`{"id":"~id~", "channel":"~channel~", "text":"~text~", "tag":"~tag~", "time":"~time~", "eventid":"~event-id~"}`)
	m := &hub.Message{ID: 12345, Channel: "my_channel", Text: []byte("a message of some reasonable length, about sixty bytes"),
		Time: 1714564805, Tag: 3, EventID: "ev"}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = tm.Append(buf[:0], m)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEventSourceData(b *testing.B) {
	tm := Compile(EventSourceMessageTemplate(""))
	m := &hub.Message{ID: 1, Channel: "ch", Text: []byte("line 1\nline 2\r\nline 3\rline 4")}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEventSourceData(buf[:0], tm, m)
	}
}

func BenchmarkGroup1000(b *testing.B) {
	chans := make([]ChannelInfo, 1000)
	for i := range chans {
		chans[i] = ChannelInfo{ID: fmt.Sprintf("channel_%d", i), Published: int64(i), Stored: 10, Subscribers: 3}
	}
	h := GroupHead{Hostname: "host", Time: "2024-05-01T12:00:00", Channels: 1000, Uptime: 100}
	for _, f := range []DocFormat{JSON, Plain, YAML, XML} {
		b.Run(f.String(), func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendGroup(buf[:0], f, h, chans)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
