package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/broker/brokertest"
)

// Scale-out over Redis (issue 5): several pushstream processes share one
// Redis (or a Redis Cluster) started by the test on a free loopback port.

// redisConf is a node's configuration: plain templates so that chunks are
// easy to compare, no ping, the broker line pointing at url.
func redisConf(url, mode string) Conf {
	return Conf{
		HTTP: map[string]string{
			"push_stream_broker":                url,
			"push_stream_ping_message_interval": "",
			"push_stream_header_template":       "HEAD",
			"push_stream_footer_template":       "",
			"push_stream_message_template":      "~id~:~text~",
		},
		SubscriberMode: mode,
		PublisherMode:  "admin",
	}
}

// redisNodes starts n pushstream nodes on the same broker url.
func redisNodes(t *testing.T, url, mode string, n int) []*Server {
	t.Helper()
	out := make([]*Server, n)
	for i := range out {
		out[i] = Start(t, redisConf(url, mode))
	}
	return out
}

// redisStats returns the JSON stats of channel id on s (nil on 404).
func redisStats(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	r := s.Do(t, "GET", "/channels-stats?id="+id, nil, map[string]string{"Accept": "application/json"})
	if r.Status == 404 {
		return nil
	}
	m := map[string]any{}
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("stats %q on %s: %v in %q", id, s.Addr, err, r.Body)
	}
	return m
}

func redisNum(m map[string]any, key string) int {
	if m == nil {
		return -1
	}
	switch v := m[key].(type) {
	case float64:
		return int(v)
	case string:
		var n int
		fmt.Sscan(v, &n)
		return n
	}
	return -1
}

// redisOpen opens a streaming subscriber on s and reads its header chunk.
func redisOpen(t *testing.T, s *Server, path string) *Conn {
	t.Helper()
	c, r := s.OpenStream(t, path, nil)
	if r.Status != 200 {
		t.Fatalf("stream %s on %s: %d %q", path, s.Addr, r.Status, r.Get("X-Nginx-PushStream-Explain"))
	}
	redisChunk(t, c, "HEAD")
	return c
}

// redisChunk reads the next chunk and fails unless it equals want.
func redisChunk(t *testing.T, c *Conn, want string) {
	t.Helper()
	got, err := c.ReadChunk(5 * time.Second)
	if err != nil {
		t.Fatalf("reading chunk %q: %v", want, err)
	}
	if string(got) != want {
		t.Fatalf("chunk = %q, want %q", got, want)
	}
}

func TestRedisSubscribeAPublishBReplayC(t *testing.T) {
	r := brokertest.StartRedis(t)
	n := redisNodes(t, r.URL(), "", 3)
	a := redisOpen(t, n[0], "/sub/r1")
	defer a.Close()
	for i := 1; i <= 3; i++ {
		if resp := n[1].Publish(t, "r1", fmt.Sprint("m", i), nil); resp.Status != 200 {
			t.Fatalf("publish on B: %d %s", resp.Status, resp.Get("X-Nginx-PushStream-Explain"))
		}
		redisChunk(t, a, fmt.Sprintf("%d:m%d", i, i))
	}
	c := redisOpen(t, n[2], "/sub/r1.b2")
	defer c.Close()
	redisChunk(t, c, "2:m2")
	redisChunk(t, c, "3:m3")
	n[0].Publish(t, "r1", "m4", nil)
	redisChunk(t, a, "4:m4")
	redisChunk(t, c, "4:m4")

	// Statistics are cluster-wide on every node.
	for _, s := range n {
		Eventually(t, 5*time.Second, func() bool {
			st := redisStats(t, s, "r1")
			return redisNum(st, "published_messages") == 4 && redisNum(st, "stored_messages") == 4 && redisNum(st, "subscribers") == 2
		}, "stats of r1 on %s: %v", s.Addr, redisStats(t, s, "r1"))
		Eventually(t, 5*time.Second, func() bool { return redisNum(redisStats(t, s, ""), "subscribers") == 2 },
			"summary subscribers on %s", s.Addr)
	}

	// DELETE on B closes the subscribers on A and C.
	if resp := n[1].Do(t, "DELETE", "/pub?id=r1", nil, nil); resp.Status != 200 {
		t.Fatalf("delete: %d", resp.Status)
	}
	redisChunk(t, a, "-2:Channel deleted")
	redisChunk(t, c, "-2:Channel deleted")
	for _, s := range n {
		Eventually(t, 5*time.Second, func() bool { return redisStats(t, s, "r1") == nil }, "r1 gone on %s", s.Addr)
	}
	a.Close()
	c.Close()
	for _, s := range n {
		Eventually(t, 5*time.Second, func() bool { return redisNum(redisStats(t, s, ""), "subscribers") == 0 },
			"subscribers back to 0 on %s", s.Addr)
	}
}

func TestRedisStoppedMidTraffic(t *testing.T) {
	r := brokertest.StartRedis(t)
	n := redisNodes(t, r.URL(), "", 2)
	a := redisOpen(t, n[0], "/sub/f1")
	defer a.Close()
	n[1].PublishOK(t, "f1", "before")
	redisChunk(t, a, "1:before")

	r.Stop()
	start := time.Now()
	resp := n[1].Publish(t, "f1", "during", nil)
	if resp.Status != 503 || !strings.Contains(resp.Get("X-Nginx-PushStream-Explain"), "broker") {
		t.Fatalf("publish with Redis down: %d %q", resp.Status, resp.Get("X-Nginx-PushStream-Explain"))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("publish with Redis down took %v", d)
	}
	if resp := n[0].Do(t, "GET", "/sub/f2", nil, nil); resp.Status != 503 {
		t.Fatalf("new subscriber with Redis down: %d", resp.Status)
	}
	if a.Closed(300 * time.Millisecond) {
		t.Fatal("subscriber was disconnected when Redis stopped")
	}
	// Statistics still answer (from what the node knows).
	if s := n[0].Do(t, "GET", "/channels-stats", nil, nil); s.Status != 200 {
		t.Fatalf("stats with Redis down: %d", s.Status)
	}

	r.Start(t)
	Eventually(t, 15*time.Second, func() bool {
		return n[1].Publish(t, "f1", "after", nil).Status == 200
	}, "publish after Redis came back")
	// The node reconnected and resubscribed: the old subscriber gets it
	// (Redis restarted empty, so the channel starts again at id 1).
	got, err := a.ReadChunk(10 * time.Second)
	if err != nil || !strings.HasSuffix(string(got), ":after") {
		t.Fatalf("after recovery: %q %v", got, err)
	}
}

func TestRedisNodeKilledClientsReplayElsewhere(t *testing.T) {
	r := brokertest.StartRedis(t)
	n := redisNodes(t, r.URL(), "long-polling", 2)
	n[1].PublishOK(t, "k1", "one")
	first := n[0].Do(t, "GET", "/sub/k1", nil, map[string]string{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
	if first.Status != 200 || string(first.Body) != "HEAD1:one" {
		t.Fatalf("long-poll on A: %d %q", first.Status, first.Body)
	}
	// A streaming subscriber on A counts on B until A dies.
	stream := Start(t, redisConf(r.URL(), ""))
	s := redisOpen(t, stream, "/sub/k1")
	defer s.Close()
	Eventually(t, 5*time.Second, func() bool { return redisNum(redisStats(t, n[1], "k1"), "subscribers") == 1 },
		"B sees the subscriber on the third node")
	stream.Signal(t, syscall.SIGKILL)
	n[0].Signal(t, syscall.SIGKILL)

	n[1].PublishOK(t, "k1", "two")
	next := n[1].Do(t, "GET", "/sub/k1", nil, map[string]string{
		"If-Modified-Since": first.Get("Last-Modified"), "If-None-Match": first.Get("Etag")})
	if next.Status != 200 || string(next.Body) != "HEAD2:two" {
		t.Fatalf("replay on B after A died: %d %q", next.Status, next.Body)
	}
	Eventually(t, 15*time.Second, func() bool { return redisNum(redisStats(t, n[1], "k1"), "subscribers") == 0 },
		"the killed node's subscriber count expires")
	if st := redisStats(t, n[1], "k1"); redisNum(st, "stored_messages") != 2 {
		t.Fatalf("stored messages lost: %v", st)
	}
}

func TestRedisClusterShardedPubSub(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	nodes := brokertest.StartCluster(t)
	n := redisNodes(t, brokertest.ClusterURL(nodes), "", 3)
	var conns []*Conn
	for i := 0; i < 8; i++ { // channels spread over the three masters
		c := redisOpen(t, n[0], fmt.Sprintf("/sub/cl%d", i))
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		n[1].PublishOK(t, fmt.Sprintf("cl%d", i), "x")
		redisChunk(t, c, "1:x")
	}
	r := redisOpen(t, n[2], "/sub/cl3.b1")
	defer r.Close()
	redisChunk(t, r, "1:x")
	Eventually(t, 5*time.Second, func() bool { return redisNum(redisStats(t, n[2], ""), "subscribers") == 9 },
		"cluster-wide subscribers")
	if resp := n[2].Do(t, "DELETE", "/pub?id=cl3", nil, nil); resp.Status != 200 {
		t.Fatalf("delete: %d", resp.Status)
	}
	redisChunk(t, conns[3], "-2:Channel deleted")
	redisChunk(t, r, "-2:Channel deleted")
}

func TestRedisLimitsAreClusterWide(t *testing.T) {
	r := brokertest.StartRedis(t)
	var n []*Server
	for i := 0; i < 2; i++ {
		c := redisConf(r.URL(), "")
		c.HTTP["push_stream_max_number_of_channels"] = "2"
		c.HTTP["push_stream_max_subscribers_per_channel"] = "1"
		n = append(n, Start(t, c))
	}
	n[0].PublishOK(t, "l1", "x")
	n[1].PublishOK(t, "l2", "x")
	resp := n[0].Publish(t, "l3", "x", nil)
	if resp.Status != 403 || resp.Get("X-Nginx-PushStream-Explain") != "Number of channels were exceeded." {
		t.Fatalf("third channel on another node: %d %q", resp.Status, resp.Get("X-Nginx-PushStream-Explain"))
	}
	a := redisOpen(t, n[0], "/sub/l1")
	defer a.Close()
	Eventually(t, 5*time.Second, func() bool {
		c, resp := n[1].OpenStream(t, "/sub/l1", nil)
		c.Close()
		return resp.Status == 403 && resp.Get("X-Nginx-PushStream-Explain") == "Subscribers limit per channel has been exceeded."
	}, "second subscriber of l1 refused on the other node")
}

func TestRedisEventsChannelIsClusterWide(t *testing.T) {
	r := brokertest.StartRedis(t)
	var n []*Server
	for i := 0; i < 2; i++ {
		c := redisConf(r.URL(), "")
		c.HTTP["push_stream_events_channel_id"] = "events"
		c.SubscriberExtra = "push_stream_allow_connections_to_events_channel on;"
		n = append(n, Start(t, c))
	}
	ev := redisOpen(t, n[0], "/sub/events")
	defer ev.Close()
	n[1].PublishOK(t, "made-on-b", "x")
	for {
		got, err := ev.ReadChunk(5 * time.Second)
		if err != nil {
			t.Fatalf("no channel_created event from node B: %v", err)
		}
		if strings.Contains(string(got), `{"type": "channel_created", "channel": "made-on-b"}`) {
			return
		}
	}
}
