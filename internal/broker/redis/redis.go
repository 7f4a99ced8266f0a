package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pushstream/pushstream/internal/broker"
)

// Timeouts bound every Redis call so that no request hangs while Redis is
// unreachable.
const (
	dialTimeout = time.Second
	ioTimeout   = time.Second
	callTimeout = 2 * time.Second
	nodeTTL     = 5 * time.Second // a node missing heartbeats this long is dead
)

// Broker is the Redis broker.Broker.
type Broker struct {
	c       goredis.UniversalClient
	cluster bool
	prefix  string
	node    string
	log     *slog.Logger

	h    broker.Handler
	subs *subscriber

	closeOnce sync.Once
}

var _ broker.Broker = (*Broker)(nil)

// New connects to the Redis named by url (see IsURL for the forms). It does
// not fail when Redis is unreachable: calls fail until it is back.
func New(url string, log *slog.Logger) (*Broker, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	// go-redis has one logger per process; the latest broker's log wins.
	goredis.SetLogger(newLibLogger(log))
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Broker{prefix: t.prefix, node: hex.EncodeToString(id[:]), log: log}
	switch {
	case t.cluster != nil:
		o := t.cluster
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, ioTimeout
		o.MaxRetries = 1
		b.c, b.cluster = goredis.NewClusterClient(o), true
	case t.sentinel != nil:
		o := t.sentinel
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, ioTimeout
		o.MaxRetries = 1
		b.c = goredis.NewFailoverClient(o)
	default:
		o := t.single
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dialTimeout, ioTimeout, ioTimeout, ioTimeout
		o.MaxRetries = 1
		b.c = goredis.NewClient(o)
	}
	return b, nil
}

// Ping checks that Redis answers.
func (b *Broker) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := b.c.Ping(ctx).Err(); err != nil {
		return broker.Unavailable("ping", err)
	}
	return nil
}

// Start implements broker.Broker.
func (b *Broker) Start(h broker.Handler) error {
	if b.h != nil {
		return errors.New("redis broker: started twice")
	}
	b.h = h
	b.subs = newSubscriber(b)
	return nil
}

// Close implements broker.Broker.
func (b *Broker) Close() error {
	var err error
	b.closeOnce.Do(func() {
		if b.subs != nil {
			b.subs.close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		_ = b.c.Del(ctx, b.nodeKey(b.node)).Err()
		if e := b.c.Close(); e != nil {
			err = fmt.Errorf("redis broker: close: %w", e)
		}
	})
	return err
}

// NodeID is this node's id in the heartbeat keys.
func (b *Broker) NodeID() string { return b.node }

func (b *Broker) g(name string) string      { return b.prefix + "{g}:" + name }
func (b *Broker) nodeKey(id string) string  { return b.prefix + "{g}:node:" + id }
func (b *Broker) ch(id, kind string) string { return b.prefix + "{c:" + id + "}:" + kind }

// channelOf returns the channel id of a pub/sub channel name.
func (b *Broker) channelOf(name string) (string, bool) {
	head := b.prefix + "{c:"
	if len(name) < len(head)+3 || name[:len(head)] != head || name[len(name)-3:] != "}:p" {
		return "", false
	}
	return name[len(head) : len(name)-3], true
}

func (b *Broker) publishCmd() string {
	if b.cluster {
		return "SPUBLISH"
	}
	return "PUBLISH"
}

func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, callTimeout)
}

func secs(d time.Duration) int64 {
	s := int64(d / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
