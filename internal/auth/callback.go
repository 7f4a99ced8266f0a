package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pushstream/pushstream/internal/config"
)

// Headers of the callback request and answer.
const (
	HeaderChannels     = "X-PushStream-Channels"      // ids asked for, separated by '/'
	HeaderAction       = "X-PushStream-Action"        // subscribe, publish, read, delete, stats
	HeaderAllowPublish = "X-PushStream-Allow-Publish" // answer: "true" lets a WebSocket subscriber publish
)

// maxCacheEntries bounds the decision cache; when full, expired entries
// are swept and, if that is not enough, the cache starts over.
const maxCacheEntries = 10000

// hopHeaders are not forwarded to the callback: they describe the client's
// connection, not the client.
var hopHeaders = map[string]bool{
	"Connection": true, "Upgrade": true, "Keep-Alive": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Content-Length": true, "Expect": true, "Host": true,
	"Proxy-Connection": true, "Proxy-Authorization": true,
	"Sec-Websocket-Key": true, "Sec-Websocket-Version": true, "Sec-Websocket-Extensions": true,
}

// Callback asks the application whether a request may go on: it GETs a
// URL with the client's headers and the channels; 2xx allows.
type Callback struct {
	url     string
	timeout time.Duration
	ttl     time.Duration // 0 = no cache
	client  *http.Client

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	until   time.Time
	publish bool
	denial  *Denial
}

// Decision is the outcome of a callback: a Denial, or the rights granted.
type Decision struct {
	Denial  *Denial
	Publish bool // the application granted WebSocket publishing
	Cached  bool
}

// NewCallback builds the callback of a, or nil when none is configured.
func NewCallback(a *config.Auth) *Callback {
	if a.RequestURL == "" {
		return nil
	}
	c := &Callback{url: a.RequestURL, timeout: a.RequestTimeout, ttl: a.RequestCacheTTL, cache: map[[32]byte]cached{}}
	if c.timeout <= 0 {
		c.timeout = config.DefaultAuthReqTimeout
	}
	switch {
	case c.ttl == 0:
		c.ttl = config.DefaultAuthRequestTTL
	case c.ttl < 0:
		c.ttl = 0
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	tr.ResponseHeaderTimeout = c.timeout
	c.client = &http.Client{
		Timeout:   c.timeout,
		Transport: tr,
		// A redirect is an answer, not an instruction: it denies.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// CallbackRequest is what the callback is asked about.
type CallbackRequest struct {
	Client   *http.Request // the subscriber's request (headers are forwarded)
	Action   string
	Channels []string
	Token    string // the token the request carried, part of the cache key
}

// Check asks the application (or the cache).
func (c *Callback) Check(ctx context.Context, q CallbackRequest, now time.Time) Decision {
	for _, id := range q.Channels {
		if !headerSafe(id) {
			return Decision{Denial: forbidden(explainBadChannel)}
		}
	}
	key := c.key(q)
	if c.ttl > 0 {
		c.mu.Lock()
		e, ok := c.cache[key]
		c.mu.Unlock()
		if ok && now.Before(e.until) {
			return Decision{Denial: e.denial, Publish: e.publish, Cached: true}
		}
	}
	d, cacheable := c.ask(ctx, q)
	if cacheable && c.ttl > 0 {
		c.store(key, cached{until: now.Add(c.ttl), publish: d.Publish, denial: d.Denial}, now)
	}
	return d
}

// key identifies a decision: same action, channels and credentials (the
// Authorization and Cookie headers, the token) get the same answer.
func (c *Callback) key(q CallbackRequest) [32]byte {
	h := sha256.New()
	for _, s := range []string{q.Action, strings.Join(q.Channels, "/"), q.Client.Header.Get("Authorization"),
		strings.Join(q.Client.Header.Values("Cookie"), "; "), q.Token} {
		_, _ = io.WriteString(h, strconv.Itoa(len(s)))
		_, _ = io.WriteString(h, ":")
		_, _ = io.WriteString(h, s)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *Callback) store(k [32]byte, e cached, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) >= maxCacheEntries {
		for k, v := range c.cache {
			if !now.Before(v.until) {
				delete(c.cache, k)
			}
		}
		if len(c.cache) >= maxCacheEntries {
			clear(c.cache)
		}
	}
	c.cache[k] = e
}

// ask performs the request; cacheable is false when the application could
// not be reached (the next request asks again).
func (c *Callback) ask(ctx context.Context, q CallbackRequest) (d Decision, cacheable bool) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return Decision{Denial: &Denial{Status: 503, Explain: ExplainUnavailable}}, false
	}
	for name, values := range q.Client.Header {
		if hopHeaders[name] {
			continue
		}
		for _, v := range values {
			if headerSafe(v) {
				req.Header.Add(name, v)
			}
		}
	}
	req.Header.Set(HeaderChannels, strings.Join(q.Channels, "/"))
	req.Header.Set(HeaderAction, q.Action)
	req.Header.Set("X-Original-URI", q.Client.RequestURI)
	req.Header.Set("X-Original-Method", q.Client.Method)
	if ip, _, err := net.SplitHostPort(q.Client.RemoteAddr); err == nil {
		req.Header.Set("X-Real-IP", ip)
		if prior := q.Client.Header.Get("X-Forwarded-For"); prior != "" {
			ip = prior + ", " + ip
		}
		req.Header.Set("X-Forwarded-For", ip)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return Decision{Denial: &Denial{Status: 503, Explain: ExplainUnavailable}}, false
	}
	defer resp.Body.Close()
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10) // lets the connection be reused
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return Decision{Publish: strings.EqualFold(resp.Header.Get(HeaderAllowPublish), "true")}, true
	case resp.StatusCode == http.StatusUnauthorized:
		var ch []string
		if v := resp.Header.Get("WWW-Authenticate"); v != "" && headerSafe(v) {
			ch = []string{v}
		}
		return Decision{Denial: unauthorized(callbackExplain(resp.StatusCode), ch)}, true
	default:
		return Decision{Denial: forbidden(callbackExplain(resp.StatusCode))}, true
	}
}

func callbackExplain(status int) string {
	return fmt.Sprintf("Authorization refused by the application (%d).", status)
}

// headerSafe reports whether v can travel in a header value.
func headerSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
