package redis

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pushstream/pushstream/internal/broker"
)

// subscriber owns the pub/sub connections: one on a single Redis, one per
// master on a cluster (sharded pub/sub only reaches the slot's master).
// go-redis redials and resubscribes a connection after an error; the
// receive loops add backoff and keep-alive pings.
type subscriber struct {
	b *Broker

	mu    sync.Mutex // serializes Subscribe and Unsubscribe
	conns map[string]*psConn
	byCh  map[string]*psConn // pub/sub channel name -> its connection
	stop  chan struct{}
	wg    sync.WaitGroup
}

type psConn struct {
	ps      *goredis.PubSub
	confirm chan string // names whose (s)subscribe the server confirmed
}

func newSubscriber(b *Broker) *subscriber {
	return &subscriber{b: b, conns: map[string]*psConn{}, byCh: map[string]*psConn{}, stop: make(chan struct{})}
}

// Subscribe implements broker.Broker: it returns once Redis confirmed the
// subscription, so nothing published later can be missed.
func (b *Broker) Subscribe(ctx context.Context, id string) error {
	if b.subs == nil {
		return errors.New("redis broker: Subscribe before Start")
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := b.subs.subscribe(ctx, b.ch(id, "p")); err != nil {
		return broker.Unavailable("subscribe", err)
	}
	return nil
}

// Unsubscribe implements broker.Broker.
func (b *Broker) Unsubscribe(ctx context.Context, id string) error {
	if b.subs == nil {
		return nil
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := b.subs.unsubscribe(ctx, b.ch(id, "p")); err != nil {
		return broker.Unavailable("unsubscribe", err)
	}
	return nil
}

func (s *subscriber) subscribe(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, fresh, err := s.connFor(ctx, name)
	if err != nil {
		return err
	}
	if !fresh {
		drain(c.confirm)
		if s.b.cluster {
			err = c.ps.SSubscribe(ctx, name)
		} else {
			err = c.ps.Subscribe(ctx, name)
		}
		if err != nil {
			return err
		}
	}
	s.byCh[name] = c
	return c.await(ctx, "subscribe", name)
}

// await waits for the server's confirmation of kind ("subscribe" or
// "unsubscribe", sharded or not) for name.
func (c *psConn) await(ctx context.Context, kind, name string) error {
	for {
		select {
		case n := <-c.confirm:
			if n == kind+" "+name {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func drain(c chan string) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// connFor returns the connection that carries name; fresh reports that it
// was just created with name already subscribed.
func (s *subscriber) connFor(ctx context.Context, name string) (c *psConn, fresh bool, err error) {
	key := ""
	if s.b.cluster {
		cc := s.b.c.(*goredis.ClusterClient)
		master, err := cc.MasterForKey(ctx, name)
		if err != nil {
			return nil, false, err
		}
		key = master.Options().Addr
	}
	if c := s.conns[key]; c != nil {
		return c, false, nil
	}
	c = &psConn{confirm: make(chan string, 256)}
	if s.b.cluster {
		// The connection goes to the master of its first channel's slot.
		c.ps = s.b.c.(*goredis.ClusterClient).SSubscribe(ctx, name)
		fresh = true
	} else {
		c.ps = s.b.c.Subscribe(ctx)
	}
	s.conns[key] = c
	s.wg.Add(1)
	go s.loop(c)
	return c, fresh, nil
}

func (s *subscriber) unsubscribe(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byCh[name]
	if c == nil {
		return nil
	}
	delete(s.byCh, name)
	drain(c.confirm)
	var err error
	if s.b.cluster {
		err = c.ps.SUnsubscribe(ctx, name)
	} else {
		err = c.ps.Unsubscribe(ctx, name)
	}
	if err != nil {
		return err
	}
	return c.await(ctx, "unsubscribe", name)
}

// loop receives from one connection until close.
func (s *subscriber) loop(c *psConn) {
	defer s.wg.Done()
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	down := false
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		msg, err := c.ps.ReceiveTimeout(context.Background(), 2*time.Second)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
				_ = c.ps.Ping(ctx)
				cancel()
				continue
			}
			select {
			case <-s.stop: // closed by us
				return
			default:
			}
			if !down {
				down = true
				s.b.log.Warn("redis pub/sub connection lost; reconnecting", "err", err)
			}
			select {
			case <-s.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		if down {
			// go-redis resubscribed before this first read succeeded.
			down = false
			s.b.log.Info("redis pub/sub connection restored")
			go s.b.h.HandleReconnect()
		}
		backoff = minBackoff
		switch v := msg.(type) {
		case *goredis.Subscription:
			kind := v.Kind
			switch kind {
			case "ssubscribe":
				kind = "subscribe"
			case "sunsubscribe":
				kind = "unsubscribe"
			}
			select {
			case c.confirm <- kind + " " + v.Channel:
			default:
			}
		case *goredis.Message:
			s.b.dispatch(v.Channel, v.Payload)
		}
	}
}

func (s *subscriber) close() {
	close(s.stop)
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.ps.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// dispatch hands one pub/sub payload to the handler: "M" + encoded
// message, or "D" + the deleted-channel text.
func (b *Broker) dispatch(name, payload string) {
	id, ok := b.channelOf(name)
	if !ok || payload == "" {
		return
	}
	switch payload[0] {
	case 'M':
		m, err := decode(id, []byte(payload[1:]))
		if err != nil {
			b.log.Warn("redis broker: dropping malformed message", "channel", id, "err", err)
			return
		}
		b.h.HandleMessage(m)
	case 'D':
		b.h.HandleDelete(id, []byte(payload[1:]))
	}
}
