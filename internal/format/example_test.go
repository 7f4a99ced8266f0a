package format_test

import (
	"fmt"

	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/hub"
)

func ExampleCompile() {
	t := format.Compile(`{"id":"~id~", "channel":"~channel~", "text":"~text~", "time":"~time~"}`)
	m := &hub.Message{ID: 1, Channel: "ch", Text: []byte("hello"), Time: 0}
	fmt.Println(string(t.Append(nil, m)))
	// Output: {"id":"1", "channel":"ch", "text":"hello", "time":"Thu, 01 Jan 1970 00:00:00 GMT"}
}

func ExampleAppendEventSourceData() {
	t := format.Compile(format.EventSourceMessageTemplate(""))
	m := &hub.Message{ID: 1, Text: []byte("line 1\r\nline 2")}
	fmt.Printf("%q\n", format.AppendEventSourceData(nil, t, m))
	// Output: "data: line 1\ndata: line 2\n\n"
}

func ExampleNegotiate() {
	f := format.Negotiate("text/html,application/xhtml+xml,application/xml;q=0.9")
	fmt.Println(f, f.ContentType())
	// Output: xml application/xml
}
