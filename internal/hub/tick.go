package hub

import "time"

// Run performs the maintenance tick every TickInterval until Close.
func (h *Hub) Run() {
	if h.cl != nil {
		h.cl.run()
		return
	}
	t := time.NewTicker(h.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.Tick()
		}
	}
}

// Close stops the tick.
// In cluster mode it also closes the broker.
func (h *Hub) Close() {
	h.stopOnce.Do(func() {
		close(h.stop)
		if h.cl != nil {
			h.cl.close()
		}
	})
}

// Tick runs one maintenance pass (spec README §1, in that order).
func (h *Hub) Tick() {
	if h.cl != nil {
		h.cl.sweep()
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.nowUnix()
	trashAt := now + int64(h.cfg.TrashDelay/time.Second)

	// 1. deleted channels whose subscribers are gone go to the trash.
	keep := h.deleting[:0]
	for _, ch := range h.deleting {
		if len(ch.subs) > 0 {
			keep = append(keep, ch)
			continue
		}
		for _, m := range ch.stored {
			h.trashMessageLocked(m, now)
		}
		if !ch.events {
			h.storedTotal -= int64(len(ch.stored))
			if h.storedTotal < 0 {
				h.storedTotal = 0
			}
		}
		ch.stored = nil
		h.trashChannelLocked(ch, trashAt, now)
	}
	for i := len(keep); i < len(h.deleting); i++ {
		h.deleting[i] = nil
	}
	h.deleting = keep

	// 2. expired messages leave the head of each queue.
	for _, ch := range h.order {
		if ch == nil {
			continue
		}
		i := 0
		for i < len(ch.stored) && ch.stored[i].Expires <= now {
			h.trashMessageLocked(ch.stored[i], now)
			ch.stored[i] = nil
			i++
		}
		if i > 0 {
			ch.stored = ch.stored[i:]
			if !ch.events {
				h.storedTotal -= int64(i)
				if h.storedTotal < 0 {
					h.storedTotal = 0
				}
			}
		}
	}

	// 3. idle channels are destroyed.
	for _, ch := range h.order {
		if ch == nil || ch.events || len(ch.stored) > 0 || len(ch.subs) > 0 || ch.expires >= now {
			continue
		}
		h.removeActiveLocked(ch)
		h.trashChannelLocked(ch, trashAt, now)
	}
	h.maybeCompactLocked()

	// 4. free what has waited long enough in the trash.
	keepM := h.msgTrash[:0]
	for _, t := range h.msgTrash {
		if now > t.deadline {
			h.release(t.charge)
			continue
		}
		keepM = append(keepM, t)
	}
	for i := len(keepM); i < len(h.msgTrash); i++ {
		h.msgTrash[i] = trashedMessage{}
	}
	h.msgTrash = keepM
	keepC := h.chTrash[:0]
	for _, ch := range h.chTrash {
		if now > ch.trashAt {
			h.release(int64(chargeChannel + len(ch.id)))
			continue
		}
		keepC = append(keepC, ch)
	}
	for i := len(keepC); i < len(h.chTrash); i++ {
		h.chTrash[i] = nil
	}
	h.chTrash = keepC
}

func (h *Hub) trashChannelLocked(ch *Channel, trashAt, now int64) {
	ch.state = stateTrash
	ch.trashAt = trashAt
	h.chTrash = append(h.chTrash, ch)
	h.emitLocked("channel_destroyed", ch.id, now)
}
