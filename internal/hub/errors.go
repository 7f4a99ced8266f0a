package hub

import "errors"

// Errors returned by the hub. Their texts are the spec's explain strings.
var (
	ErrTooManyChannels    = errors.New("Number of channels were exceeded.")
	ErrTooManySubscribers = errors.New("Subscribers limit per channel has been exceeded.")
	ErrNoMemory           = errors.New("push stream module: no memory")
	ErrEventsChannel      = errors.New("Only internal routines can change events channel.")
	ErrClosed             = errors.New("hub closed")
	// ErrUnavailable: the cluster's shared store (Redis) cannot be reached.
	ErrUnavailable = errors.New("Service unavailable: the message broker cannot be reached, try again.")
)
