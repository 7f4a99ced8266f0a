package hub

import "strings"

// Summary is the server-wide counters of the summarized statistics.
type Summary struct {
	Channels         int64
	WildcardChannels int64
	Published        int64
	Stored           int64
	MessagesInTrash  int64
	ChannelsInDelete int64
	ChannelsInTrash  int64
	Subscribers      int64
	// LocalSubscribers counts this node's subscribers only (the by_worker
	// entry); it equals Subscribers without a cluster broker.
	LocalSubscribers int64
}

// Summary returns the current counters.
func (h *Hub) Summary() Summary {
	if h.cl != nil {
		return h.cl.summary()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return Summary{
		Channels:         h.nChannels,
		WildcardChannels: h.nWildcard,
		Published:        h.published,
		Stored:           h.storedTotal,
		MessagesInTrash:  int64(len(h.msgTrash)),
		ChannelsInDelete: int64(len(h.deleting)),
		ChannelsInTrash:  int64(len(h.chTrash)),
		Subscribers:      h.subscribers,
		LocalSubscribers: h.subscribers,
	}
}

// Info returns the counters of active channel id.
func (h *Hub) Info(id string) (ChannelInfo, bool) {
	if h.cl != nil {
		return h.cl.info(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.channels[id]
	if ch == nil {
		return ChannelInfo{}, false
	}
	return ch.info(), true
}

// List returns the active channels whose id starts with prefix ("" = all),
// in creation order.
func (h *Hub) List(prefix string) []ChannelInfo {
	if h.cl != nil {
		return h.cl.list(prefix)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]ChannelInfo, 0, len(h.channels))
	for _, ch := range h.order {
		if ch != nil && strings.HasPrefix(ch.id, prefix) {
			out = append(out, ch.info())
		}
	}
	return out
}

// Counts returns the active normal and wildcard channel totals.
func (h *Hub) Counts() (channels, wildcard int64) {
	if h.cl != nil {
		s := h.cl.summary()
		return s.Channels, s.WildcardChannels
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.nChannels, h.nWildcard
}
