package hub

// Delete deletes the listed channels that exist (publisher.md §3): each is
// removed from the active set at once, every subscriber gets the id -2
// message with text, and the channel waits "in delete" for the next tick.
// It returns how many channels were deleted.
func (h *Hub) Delete(ids []string, text []byte) int {
	n, _ := h.DeleteChannels(ids, text)
	return n
}

// DeleteChannels is Delete that also reports a cluster broker failure
// (ErrUnavailable); a single node never fails.
func (h *Hub) DeleteChannels(ids []string, text []byte) (int, error) {
	if h.cl != nil {
		return h.cl.delete(ids, text)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.nowUnix()
	n := 0
	for _, id := range ids {
		ch := h.channels[id]
		if ch == nil || ch.events {
			continue
		}
		n++
		h.removeActiveLocked(ch)
		ch.state = stateInDelete
		h.deleting = append(h.deleting, ch)
		m := &Message{ID: IDDeleted, Channel: id, Text: text}
		subs := append([]*subEntry(nil), ch.subs...)
		for _, e := range subs {
			h.unsubscribeLocked(e, now)
			e.s.sub.ChannelDeleted(m, e.s.live)
		}
	}
	h.maybeCompactLocked()
	return n, nil
}
