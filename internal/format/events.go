package format

// Event types published on the events channel (events-channel.md §2).
const (
	EventChannelCreated     = "channel_created"
	EventClientSubscribed   = "client_subscribed"
	EventClientUnsubscribed = "client_unsubscribed"
	EventChannelDestroyed   = "channel_destroyed"
)

// EventText returns the text of an events channel message:
// {"type": "<TYPE>", "channel": "<ID>"} with the id inserted raw.
func EventText(typ, channel string) []byte {
	b := make([]byte, 0, len(`{"type": "", "channel": ""}`)+len(typ)+len(channel))
	b = append(b, `{"type": "`...)
	b = append(b, typ...)
	b = append(b, `", "channel": "`...)
	b = append(b, channel...)
	return append(b, `"}`...)
}
