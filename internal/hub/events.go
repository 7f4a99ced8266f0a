package hub

// emitLocked publishes an event about channel to the events channel
// (events-channel.md §2). Events about the events channel itself, and events
// that do not fit in memory, are dropped.
func (h *Hub) emitLocked(typ, channel string, now int64) {
	if h.cl != nil {
		h.cl.emit(typ, channel)
		return
	}
	if h.events == nil || h.events.state != stateActive || channel == h.events.id {
		return
	}
	_, _ = h.publishLocked(h.events, Publish{Text: eventText(typ, channel), EventType: typ, HasEventType: true, Store: true}, now)
}

// eventText is the JSON notice of events-channel.md §2.
func eventText(typ, channel string) []byte {
	text := make([]byte, 0, 32+len(typ)+len(channel))
	text = append(text, `{"type": "`...)
	text = append(text, typ...)
	text = append(text, `", "channel": "`...)
	text = append(text, channel...)
	text = append(text, `"}`...)
	return text
}
