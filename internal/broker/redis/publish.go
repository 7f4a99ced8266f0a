package redis

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pushstream/pushstream/internal/broker"
)

// Publish implements broker.Broker.
func (b *Broker) Publish(ctx context.Context, id string, p broker.Publish) (broker.Message, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	count := "0"
	if p.Count {
		count = "1"
	}
	store := "0"
	if p.Store {
		store = "1"
	}
	wild := "0"
	if p.Wildcard {
		wild = "1"
	}
	keys := []string{b.ch(id, "h"), b.ch(id, "m"), b.ch(id, "a")}
	reg := []string{b.g("tag"), b.g("pub"), b.g("chans"), b.g("wild"), b.g("seq")}
	now, tag, created := int64(0), int64(0), int64(0)
	if b.cluster {
		v, err := tagScript.Run(ctx, b.c, reg, count, id, wild, p.MaxChannels).Int64Slice()
		switch {
		case err == nil && len(v) == 1 && v[0] == -1:
			return broker.Message{}, broker.ErrTooManyChannels
		case err != nil || len(v) != 3:
			return broker.Message{}, broker.Unavailable("publish tag", orShort(err))
		}
		now, tag, created = v[0], v[1], v[2]
	} else {
		keys = append(keys, reg...)
	}
	v, err := publishScript.Run(ctx, b.c, keys,
		p.Text, p.EventID, p.EventType, flags(p), store, p.MaxStored, secs(p.TTL), secs(aliveFor(p.Inactivity)),
		b.ch(id, "p"), count, now, tag, b.publishCmd(), id, wild, p.MaxChannels).Slice()
	if err != nil || len(v) != 2 {
		return broker.Message{}, broker.Unavailable("publish", orShort(err))
	}
	if asInt(v[1]) == -1 {
		return broker.Message{}, broker.ErrTooManyChannels
	}
	enc, _ := v[0].(string)
	m, err := decode(id, []byte(enc))
	if err != nil {
		return broker.Message{}, broker.Unavailable("publish", err)
	}
	m.Created = created == 1 || asInt(v[1]) == 1
	return m, nil
}

var errShort = errors.New("short reply")

func orShort(err error) error {
	if err == nil {
		return errShort
	}
	return err
}

// History implements broker.Broker.
func (b *Broker) History(ctx context.Context, id string) (broker.History, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	v, err := historyScript.Run(ctx, b.c, []string{b.ch(id, "h"), b.ch(id, "m")}, "1").Slice()
	if err != nil || len(v) < 2 {
		return broker.History{}, broker.Unavailable("history", orShort(err))
	}
	h := broker.History{LastID: asInt(v[0]), Messages: make([]broker.Message, 0, len(v)-2)}
	for _, raw := range v[2:] {
		s, _ := raw.(string)
		m, err := decode(id, []byte(s))
		if err != nil {
			return broker.History{}, broker.Unavailable("history", err)
		}
		h.Messages = append(h.Messages, m)
	}
	return h, nil
}

// Delete implements broker.Broker.
func (b *Broker) Delete(ctx context.Context, id string, text []byte) (bool, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	pipe := b.c.Pipeline()
	z1 := pipe.ZRem(ctx, b.g("chans"), id)
	z2 := pipe.ZRem(ctx, b.g("wild"), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, broker.Unavailable("delete", err)
	}
	if z1.Val()+z2.Val() == 0 {
		return false, nil
	}
	payload := append([]byte{'D'}, text...)
	err := deleteScript.Run(ctx, b.c, []string{b.ch(id, "h"), b.ch(id, "m"), b.ch(id, "a")},
		b.ch(id, "p"), payload, b.publishCmd()).Err()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return true, broker.Unavailable("delete", err)
	}
	return true, nil
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		var n int64
		for _, c := range x {
			if c < '0' || c > '9' {
				return n
			}
			n = n*10 + int64(c-'0')
		}
		return n
	}
	return 0
}
