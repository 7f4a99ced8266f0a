package hub

import "time"

// Publish is what a publisher sends to one channel.
type Publish struct {
	Text         []byte
	EventID      string
	EventType    string
	HasEventID   bool
	HasEventType bool
	Store        bool
}

// Ensure finds or creates channel id for a publish (publisher.md §1 step 6c).
// Channels it creates stay even when a later step of the request fails.
func (h *Hub) Ensure(id string) error {
	if h.cl != nil {
		return h.cl.ensure(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.channels[id]; ok {
		return nil
	}
	_, err := h.createLocked(id, h.nowUnix())
	return err
}

// Publish creates the next message of channel id (creating the channel if it
// is missing), delivers it to the channel's subscribers and stores it or
// sends it to the trash. It never blocks on a subscriber.
func (h *Hub) Publish(id string, p Publish) (*Message, error) {
	if h.IsEventsChannel(id) {
		return nil, ErrEventsChannel
	}
	if h.cl != nil {
		return h.cl.publish(id, p)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.nowUnix()
	ch := h.channels[id]
	if ch == nil {
		var err error
		if ch, err = h.createLocked(id, now); err != nil {
			return nil, err
		}
	}
	m, err := h.publishLocked(ch, p, now)
	if err != nil {
		return nil, err
	}
	h.published++
	return m, nil
}

// publishLocked creates, delivers and stores one message on ch.
func (h *Hub) publishLocked(ch *Channel, p Publish, now int64) (*Message, error) {
	size := int64(chargeMessage + len(p.Text) + len(p.EventID) + len(p.EventType))
	if !h.charge(size) {
		return nil, ErrNoMemory
	}
	ch.lastID++
	m := &Message{
		ID:           ch.lastID,
		Channel:      ch.id,
		Text:         p.Text,
		Time:         now,
		Tag:          h.nextTagLocked(now),
		EventID:      p.EventID,
		EventType:    p.EventType,
		HasEventID:   p.HasEventID,
		HasEventType: p.HasEventType,
		Expires:      now + int64(h.cfg.MessageTTL/time.Second),
	}
	h.touchLocked(ch, now)
	for _, e := range ch.subs {
		e.s.sub.Deliver(m)
	}
	if p.Store || ch.events {
		ch.stored = append(ch.stored, m)
		if !ch.events {
			h.storedTotal++
		}
		if max := h.cfg.MaxStoredPerChannel; max > 0 {
			for len(ch.stored) > max {
				h.trashMessageLocked(ch.stored[0], now)
				ch.stored[0] = nil
				ch.stored = ch.stored[1:]
				if !ch.events {
					h.storedTotal = dec(h.storedTotal)
				}
			}
		}
	} else {
		h.trashMessageLocked(m, now)
	}
	return m, nil
}

func (h *Hub) trashMessageLocked(m *Message, now int64) {
	h.msgTrash = append(h.msgTrash, trashedMessage{charge: messageCharge(m), deadline: now + int64(h.cfg.TrashDelay/time.Second)})
}

func messageCharge(m *Message) int64 {
	return int64(chargeMessage + len(m.Text) + len(m.EventID) + len(m.EventType))
}
