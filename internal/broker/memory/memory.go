package memory

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/pushstream/pushstream/internal/broker"
)

// Server is the shared state of an in-process cluster.
type Server struct {
	mu        sync.Mutex
	now       func() time.Time
	chans     map[string]*channel
	seq       int64
	tagSecond int64
	tagCount  int64
	published int64
	nodes     map[*Node]bool
	down      bool
}

type channel struct {
	id       string
	wildcard bool
	seq      int64
	lastID   int64
	lastTime int64
	lastTag  int64
	stored   []broker.Message
	alive    int64 // Unix seconds: inactivity deadline
}

// NewServer returns an empty shared state; now is the clock (time.Now when nil).
func NewServer(now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	return &Server{now: now, chans: map[string]*channel{}, nodes: map[*Node]bool{}}
}

// SetDown makes every call fail with broker.ErrUnavailable while down is
// true, as if the shared store were unreachable.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Node returns a new node attached to s.
func (s *Server) Node() *Node {
	n := &Node{srv: s, subs: map[string]bool{}}
	s.mu.Lock()
	s.nodes[n] = true
	s.mu.Unlock()
	return n
}

// Node is one node's view of a Server; it implements broker.Broker.
type Node struct {
	srv    *Server
	h      broker.Handler
	subs   map[string]bool // guarded by srv.mu
	report broker.NodeReport
}

var _ broker.Broker = (*Node)(nil)

// lock takes the server lock, failing while the server is down.
func (n *Node) lock(op string) error {
	n.srv.mu.Lock()
	if n.srv.down {
		n.srv.mu.Unlock()
		return broker.Unavailable(op, errDown)
	}
	return nil
}

type downError struct{}

func (downError) Error() string { return "memory broker is down" }

var errDown = downError{}

// Start implements broker.Broker.
func (n *Node) Start(h broker.Handler) error {
	n.srv.mu.Lock()
	n.h = h
	n.srv.mu.Unlock()
	return nil
}

// Close implements broker.Broker: the node leaves the cluster.
func (n *Node) Close() error {
	n.srv.mu.Lock()
	delete(n.srv.nodes, n)
	n.subs = map[string]bool{}
	n.srv.mu.Unlock()
	return nil
}

func (s *Server) unix() int64 { return s.now().Unix() }

// Ensure implements broker.Broker.
func (n *Node) Ensure(_ context.Context, id string, wildcard bool, max int, inactivity time.Duration) (bool, error) {
	if err := n.lock("ensure"); err != nil {
		return false, err
	}
	defer n.srv.mu.Unlock()
	s := n.srv
	now := s.unix()
	if ch := s.chans[id]; ch != nil {
		ch.alive = max64(ch.alive, now+secs(inactivity))
		return false, nil
	}
	if max > 0 && s.count(wildcard) >= int64(max) {
		return false, broker.ErrTooManyChannels
	}
	s.seq++
	s.chans[id] = &channel{id: id, wildcard: wildcard, seq: s.seq, alive: now + secs(inactivity)}
	return true, nil
}

func (s *Server) count(wildcard bool) int64 {
	var c int64
	for _, ch := range s.chans {
		if ch.wildcard == wildcard {
			c++
		}
	}
	return c
}

// Publish implements broker.Broker.
func (n *Node) Publish(_ context.Context, id string, p broker.Publish) (broker.Message, error) {
	if err := n.lock("publish"); err != nil {
		return broker.Message{}, err
	}
	defer n.srv.mu.Unlock()
	s := n.srv
	now := s.unix()
	ch := s.chans[id]
	created := false
	if ch == nil {
		if p.MaxChannels > 0 && s.count(p.Wildcard) >= int64(p.MaxChannels) {
			return broker.Message{}, broker.ErrTooManyChannels
		}
		s.seq++
		ch = &channel{id: id, wildcard: p.Wildcard, seq: s.seq}
		s.chans[id] = ch
		created = true
	}
	if now != s.tagSecond {
		s.tagSecond, s.tagCount = now, 0
	}
	s.tagCount++
	if p.Count {
		s.published++
	}
	ch.lastID++
	m := broker.Message{
		Channel: id, ID: ch.lastID, Time: now, Tag: s.tagCount, Expires: now + secs(p.TTL),
		Text: slices.Clone(p.Text), EventID: p.EventID, EventType: p.EventType,
		HasEventID: p.HasEventID, HasEventType: p.HasEventType,
	}
	ch.lastTime, ch.lastTag = m.Time, m.Tag
	ch.alive = max64(ch.alive, now+secs(p.Inactivity))
	if p.Store {
		ch.trim(now)
		ch.stored = append(ch.stored, m)
		if p.MaxStored > 0 && len(ch.stored) > p.MaxStored {
			ch.stored = slices.Delete(ch.stored, 0, len(ch.stored)-p.MaxStored)
		}
	}
	for node := range s.nodes {
		if node.subs[id] && node.h != nil {
			node.h.HandleMessage(m)
		}
	}
	m.Created = created
	return m, nil
}

func (c *channel) trim(now int64) {
	i := 0
	for i < len(c.stored) && c.stored[i].Expires <= now {
		i++
	}
	if i > 0 {
		c.stored = slices.Delete(c.stored, 0, i)
	}
}

// History implements broker.Broker.
func (n *Node) History(_ context.Context, id string) (broker.History, error) {
	if err := n.lock("history"); err != nil {
		return broker.History{}, err
	}
	defer n.srv.mu.Unlock()
	ch := n.srv.chans[id]
	if ch == nil {
		return broker.History{}, nil
	}
	ch.trim(n.srv.unix())
	return broker.History{LastID: ch.lastID, Messages: slices.Clone(ch.stored)}, nil
}

// Subscribe implements broker.Broker.
func (n *Node) Subscribe(_ context.Context, id string) error {
	if err := n.lock("subscribe"); err != nil {
		return err
	}
	n.subs[id] = true
	n.srv.mu.Unlock()
	return nil
}

// Unsubscribe implements broker.Broker.
func (n *Node) Unsubscribe(_ context.Context, id string) error {
	if err := n.lock("unsubscribe"); err != nil {
		return err
	}
	delete(n.subs, id)
	n.srv.mu.Unlock()
	return nil
}

// Delete implements broker.Broker.
func (n *Node) Delete(_ context.Context, id string, text []byte) (bool, error) {
	if err := n.lock("delete"); err != nil {
		return false, err
	}
	defer n.srv.mu.Unlock()
	s := n.srv
	if s.chans[id] == nil {
		return false, nil
	}
	delete(s.chans, id)
	for node := range s.nodes {
		if node.subs[id] && node.h != nil {
			node.h.HandleDelete(id, slices.Clone(text))
		}
	}
	return true, nil
}

// Report implements broker.Broker.
func (n *Node) Report(_ context.Context, r broker.NodeReport, inactivity time.Duration) error {
	if err := n.lock("report"); err != nil {
		return err
	}
	defer n.srv.mu.Unlock()
	n.report = broker.NodeReport{Subscribers: r.Subscribers, Channels: maps(r.Channels)}
	now := n.srv.unix()
	for id := range r.Channels {
		if ch := n.srv.chans[id]; ch != nil {
			ch.alive = max64(ch.alive, now+secs(inactivity))
		}
	}
	return nil
}

func maps(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (n *Node) othersOn(id string) int64 {
	var c int64
	for node := range n.srv.nodes {
		if node != n {
			c += node.report.Channels[id]
		}
	}
	return c
}

func (n *Node) stat(ch *channel) broker.ChannelStat {
	ch.trim(n.srv.unix())
	return broker.ChannelStat{ID: ch.id, Wildcard: ch.wildcard, LastID: ch.lastID,
		Stored: int64(len(ch.stored)), Subscribers: n.othersOn(ch.id)}
}

// Channel implements broker.Broker.
func (n *Node) Channel(_ context.Context, id string) (broker.ChannelStat, bool, error) {
	if err := n.lock("channel"); err != nil {
		return broker.ChannelStat{}, false, err
	}
	defer n.srv.mu.Unlock()
	ch := n.srv.chans[id]
	if ch == nil {
		return broker.ChannelStat{}, false, nil
	}
	return n.stat(ch), true, nil
}

// Channels implements broker.Broker.
func (n *Node) Channels(_ context.Context) ([]broker.ChannelStat, error) {
	if err := n.lock("channels"); err != nil {
		return nil, err
	}
	defer n.srv.mu.Unlock()
	list := make([]*channel, 0, len(n.srv.chans))
	for _, ch := range n.srv.chans {
		list = append(list, ch)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	out := make([]broker.ChannelStat, len(list))
	for i, ch := range list {
		out[i] = n.stat(ch)
	}
	return out, nil
}

// Totals implements broker.Broker.
func (n *Node) Totals(_ context.Context) (broker.Totals, error) {
	if err := n.lock("totals"); err != nil {
		return broker.Totals{}, err
	}
	defer n.srv.mu.Unlock()
	t := broker.Totals{Published: n.srv.published}
	now := n.srv.unix()
	for _, ch := range n.srv.chans {
		if ch.wildcard {
			t.Wildcard++
		} else {
			t.Channels++
		}
		ch.trim(now)
		t.Stored += int64(len(ch.stored))
	}
	for node := range n.srv.nodes {
		if node != n {
			t.Subscribers += node.report.Subscribers
		}
	}
	return t, nil
}

// Sweep implements broker.Broker.
func (n *Node) Sweep(_ context.Context, keep string) ([]string, error) {
	if err := n.lock("sweep"); err != nil {
		return nil, err
	}
	defer n.srv.mu.Unlock()
	now := n.srv.unix()
	var out []string
	for id, ch := range n.srv.chans {
		if id == keep {
			continue
		}
		ch.trim(now)
		if len(ch.stored) > 0 || ch.alive >= now || n.othersOn(id) > 0 || n.report.Channels[id] > 0 {
			continue
		}
		delete(n.srv.chans, id)
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
