package broker

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable wraps every failure to reach the shared store; callers
// answer 503 and keep their subscribers.
var ErrUnavailable = errors.New("broker unavailable")

// ErrTooManyChannels is returned by Ensure when the channel limit is reached.
var ErrTooManyChannels = errors.New("too many channels")

// Message is a published message as the broker numbered it.
type Message struct {
	Channel      string
	ID           int64 // per-channel sequence 1, 2, 3…
	Time         int64 // Unix seconds, from the broker's clock
	Tag          int64 // server-wide per-second counter
	Expires      int64 // Unix seconds
	Text         []byte
	EventID      string
	EventType    string
	HasEventID   bool
	HasEventType bool
	// Created is set on the result of Publish only: this publish
	// registered the channel (exactly one caller in the cluster sees it).
	Created bool
}

// Publish is one publish request with the limits that bound the history.
type Publish struct {
	Text         []byte
	EventID      string
	EventType    string
	HasEventID   bool
	HasEventType bool
	Store        bool          // append to the stored history
	Count        bool          // count in the published_messages total (false for the events channel)
	MaxStored    int           // 0 = no limit
	TTL          time.Duration // message_ttl
	Inactivity   time.Duration // channel_inactivity_time
	Wildcard     bool          // the channel is a wildcard channel (registry)
	MaxChannels  int           // limit for the channel's kind when Publish registers it (0 = none)
}

// History is a channel's stored messages (oldest first, expired ones left
// out) and its last message id at the time of the read.
type History struct {
	LastID   int64
	Messages []Message
}

// ChannelStat is a channel of the cluster-wide registry.
type ChannelStat struct {
	ID       string
	Wildcard bool
	LastID   int64
	Stored   int64
	// Subscribers counts the subscribers that OTHER live nodes reported in
	// their last heartbeat; the caller adds its own exact local count.
	Subscribers int64
}

// Totals are the cluster-wide summary counters.
type Totals struct {
	Channels, Wildcard int64
	Published          int64
	Stored             int64
	Subscribers        int64 // reported by other live nodes, like ChannelStat.Subscribers
}

// NodeReport is one node's heartbeat: its subscriber counts.
type NodeReport struct {
	Subscribers int64            // subscriber requests connected to this node
	Channels    map[string]int64 // local subscriptions per channel
}

// Handler receives what happens on the channels this node subscribed to,
// including what this node itself published. Calls for one channel arrive
// in publish order. A Handler must not call back into the broker
// synchronously.
type Handler interface {
	HandleMessage(m Message)
	HandleDelete(channel string, text []byte)
	// HandleReconnect says that the delivery connection was lost and is
	// back with every subscription restored: messages published meanwhile
	// were not delivered and can only be read from the history.
	HandleReconnect()
}

// Broker is the shared channel store of a cluster. Every method is bounded
// by ctx and by the implementation's own timeouts; failures to reach the
// store wrap ErrUnavailable.
type Broker interface {
	// Start begins delivering to h. It is called once, before any Subscribe.
	Start(h Handler) error
	// Close stops delivery and releases connections.
	Close() error

	// Ensure registers channel id, creating it when missing. max is the
	// limit for its kind (0 = none). created is true for exactly one caller
	// in the cluster. It also pushes the channel's inactivity deadline.
	Ensure(ctx context.Context, id string, wildcard bool, max int, inactivity time.Duration) (created bool, err error)
	// Publish atomically assigns the next id, the tag and the time, appends
	// to the stored history when p.Store (evicting beyond p.MaxStored and
	// expired messages) and hands the message to every subscribed node.
	// It registers a missing channel as Ensure does (ErrTooManyChannels
	// past p.MaxChannels), in the same step on a single Redis.
	Publish(ctx context.Context, id string, p Publish) (Message, error)
	// History reads the stored, unexpired messages of id.
	History(ctx context.Context, id string) (History, error)
	// Subscribe makes this node receive id's messages. When it returns nil,
	// every message published afterwards is delivered to the Handler.
	Subscribe(ctx context.Context, id string) error
	// Unsubscribe stops the delivery of id's messages to this node once it
	// returns.
	Unsubscribe(ctx context.Context, id string) error
	// Delete removes channel id and its history and tells every subscribed
	// node (HandleDelete with text). existed reports whether it was registered.
	Delete(ctx context.Context, id string, text []byte) (existed bool, err error)

	// Report is this node's heartbeat. It also keeps the channels with
	// local subscribers from expiring.
	Report(ctx context.Context, r NodeReport, inactivity time.Duration) error
	// Channel returns the registry entry of id.
	Channel(ctx context.Context, id string) (ChannelStat, bool, error)
	// Channels returns the registry in creation order.
	Channels(ctx context.Context) ([]ChannelStat, error)
	// Totals returns the summary counters.
	Totals(ctx context.Context) (Totals, error)
	// Sweep destroys idle channels (no stored message, inactivity passed,
	// no subscriber anywhere) and returns the ids this call destroyed, so
	// that exactly one node reports each destruction. keep is never swept.
	Sweep(ctx context.Context, keep string) ([]string, error)
}

// Unavailable wraps err as an ErrUnavailable with context.
func Unavailable(op string, err error) error {
	return &unavailableError{op: op, err: err}
}

type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string { return "broker: " + e.op + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() []error {
	return []error{ErrUnavailable, e.err}
}
