package redis

import (
	"context"
	"sort"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pushstream/pushstream/internal/broker"
)

// minAlive keeps a channel's inactivity key alive across several heartbeats
// (one per second) even when channel_inactivity_time is shorter.
const minAlive = 3 * time.Second

const totalField = "\x00total"

// Ensure implements broker.Broker.
func (b *Broker) Ensure(ctx context.Context, id string, wildcard bool, max int, inactivity time.Duration) (bool, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	w := "0"
	if wildcard {
		w = "1"
	}
	pipe := b.c.Pipeline()
	r := ensureScript.Eval(ctx, pipe, []string{b.g("chans"), b.g("wild"), b.g("seq")}, id, w, max)
	pipe.Set(ctx, b.ch(id, "a"), "1", aliveFor(inactivity))
	if _, err := pipe.Exec(ctx); err != nil {
		return false, broker.Unavailable("ensure", err)
	}
	switch n, _ := r.Int64(); n {
	case 1:
		return true, nil
	case -1:
		return false, broker.ErrTooManyChannels
	}
	return false, nil
}

func aliveFor(inactivity time.Duration) time.Duration {
	if inactivity < minAlive {
		return minAlive
	}
	return inactivity
}

// Report implements broker.Broker.
func (b *Broker) Report(ctx context.Context, r broker.NodeReport, inactivity time.Duration) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	key := b.nodeKey(b.node)
	fields := make([]any, 0, 2+2*len(r.Channels))
	fields = append(fields, totalField, r.Subscribers)
	for id, n := range r.Channels {
		fields = append(fields, id, n)
	}
	pipe := b.c.TxPipeline()
	pipe.Del(ctx, key)
	pipe.HSet(ctx, key, fields...)
	pipe.Expire(ctx, key, nodeTTL)
	pipe.ZAdd(ctx, b.g("nodes"), goredis.Z{Score: float64(time.Now().Unix()), Member: b.node})
	if _, err := pipe.Exec(ctx); err != nil {
		return broker.Unavailable("report", err)
	}
	if len(r.Channels) == 0 {
		return nil
	}
	pipe = b.c.Pipeline()
	alive := aliveFor(inactivity)
	for id := range r.Channels {
		pipe.Set(ctx, b.ch(id, "a"), "1", alive)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return broker.Unavailable("report", err)
	}
	return nil
}

// others sums the other live nodes' heartbeat field ("" = every field).
func (b *Broker) others(ctx context.Context, field string) (map[string]int64, error) {
	v, err := subsScript.Run(ctx, b.c, []string{b.g("nodes")}, b.node, b.prefix+"{g}:node:", field).Slice()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		k, _ := v[i].(string)
		out[k] = asInt(v[i+1])
	}
	return out, nil
}

// Channel implements broker.Broker.
func (b *Broker) Channel(ctx context.Context, id string) (broker.ChannelStat, bool, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	pipe := b.c.Pipeline()
	s1 := pipe.ZScore(ctx, b.g("chans"), id)
	s2 := pipe.ZScore(ctx, b.g("wild"), id)
	_, err := pipe.Exec(ctx)
	if err != nil && err != goredis.Nil {
		return broker.ChannelStat{}, false, broker.Unavailable("channel", err)
	}
	if s1.Err() == goredis.Nil && s2.Err() == goredis.Nil {
		return broker.ChannelStat{}, false, nil
	}
	st := broker.ChannelStat{ID: id, Wildcard: s1.Err() == goredis.Nil}
	if err := b.fill(ctx, []*broker.ChannelStat{&st}, id); err != nil {
		return broker.ChannelStat{}, false, err
	}
	return st, true, nil
}

// fill reads last id, stored count and remote subscribers of each stat.
func (b *Broker) fill(ctx context.Context, stats []*broker.ChannelStat, field string) error {
	pipe := b.c.Pipeline()
	cmds := make([]*goredis.Cmd, len(stats))
	for i, st := range stats {
		cmds[i] = historyScript.Eval(ctx, pipe, []string{b.ch(st.ID, "h"), b.ch(st.ID, "m")}, "0")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return broker.Unavailable("channels", err)
	}
	for i, st := range stats {
		v, _ := cmds[i].Slice()
		if len(v) >= 2 {
			st.LastID, st.Stored = asInt(v[0]), asInt(v[1])
		}
	}
	subs, err := b.others(ctx, field)
	if err != nil {
		return broker.Unavailable("channels", err)
	}
	for _, st := range stats {
		st.Subscribers = subs[st.ID]
	}
	return nil
}

// registry returns the channel ids in creation order.
func (b *Broker) registry(ctx context.Context) ([]broker.ChannelStat, error) {
	pipe := b.c.Pipeline()
	c := pipe.ZRangeWithScores(ctx, b.g("chans"), 0, -1)
	w := pipe.ZRangeWithScores(ctx, b.g("wild"), 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	type entry struct {
		st    broker.ChannelStat
		score float64
	}
	all := make([]entry, 0, len(c.Val())+len(w.Val()))
	for _, z := range c.Val() {
		all = append(all, entry{broker.ChannelStat{ID: z.Member.(string)}, z.Score})
	}
	for _, z := range w.Val() {
		all = append(all, entry{broker.ChannelStat{ID: z.Member.(string), Wildcard: true}, z.Score})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	out := make([]broker.ChannelStat, len(all))
	for i, e := range all {
		out[i] = e.st
	}
	return out, nil
}

// Channels implements broker.Broker.
func (b *Broker) Channels(ctx context.Context) ([]broker.ChannelStat, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	out, err := b.registry(ctx)
	if err != nil {
		return nil, broker.Unavailable("channels", err)
	}
	ptrs := make([]*broker.ChannelStat, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	if err := b.fill(ctx, ptrs, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// Totals implements broker.Broker.
func (b *Broker) Totals(ctx context.Context) (broker.Totals, error) {
	list, err := b.Channels(ctx)
	if err != nil {
		return broker.Totals{}, err
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	var t broker.Totals
	for _, st := range list {
		if st.Wildcard {
			t.Wildcard++
		} else {
			t.Channels++
		}
		t.Stored += st.Stored
	}
	pub, err := b.c.Get(ctx, b.g("pub")).Result()
	if err != nil && err != goredis.Nil {
		return broker.Totals{}, broker.Unavailable("totals", err)
	}
	t.Published, _ = strconv.ParseInt(pub, 10, 64)
	subs, err := b.others(ctx, totalField)
	if err != nil {
		return broker.Totals{}, broker.Unavailable("totals", err)
	}
	t.Subscribers = subs[totalField]
	return t, nil
}

// Sweep implements broker.Broker. One node per period wins the sweep lock.
func (b *Broker) Sweep(ctx context.Context, keep string) ([]string, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	ok, err := b.c.SetNX(ctx, b.g("gc"), b.node, 900*time.Millisecond).Result()
	if err != nil {
		return nil, broker.Unavailable("sweep", err)
	}
	if !ok {
		return nil, nil
	}
	list, err := b.registry(ctx)
	if err != nil {
		return nil, broker.Unavailable("sweep", err)
	}
	pipe := b.c.Pipeline()
	cmds := make([]*goredis.Cmd, 0, len(list))
	ids := make([]string, 0, len(list))
	for _, st := range list {
		if st.ID == keep {
			continue
		}
		ids = append(ids, st.ID)
		cmds = append(cmds, reapScript.Eval(ctx, pipe, []string{b.ch(st.ID, "a"), b.ch(st.ID, "h"), b.ch(st.ID, "m")}))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, broker.Unavailable("sweep", err)
	}
	var idle []string
	for i, c := range cmds {
		if n, _ := c.Int64(); n == 1 {
			idle = append(idle, ids[i])
		}
	}
	if len(idle) == 0 {
		return nil, nil
	}
	pipe = b.c.Pipeline()
	zr := make([][2]*goredis.IntCmd, len(idle))
	for i, id := range idle {
		zr[i] = [2]*goredis.IntCmd{pipe.ZRem(ctx, b.g("chans"), id), pipe.ZRem(ctx, b.g("wild"), id)}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, broker.Unavailable("sweep", err)
	}
	var out []string
	for i, id := range idle {
		if zr[i][0].Val()+zr[i][1].Val() > 0 {
			out = append(out, id)
		}
	}
	return out, nil
}
