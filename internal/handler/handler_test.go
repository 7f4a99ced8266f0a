package handler

import (
	"testing"

	"github.com/pushstream/pushstream/internal/config"
)

func TestSubscriberMode(t *testing.T) {
	tests := []struct {
		location config.SubscriberMode
		header   string
		want     config.SubscriberMode
	}{
		{config.ModeStreaming, "", config.ModeStreaming},
		{config.ModeStreaming, "Polling", config.ModePolling},
		{config.ModeEventSource, "LONG-POLLING", config.ModeLongPolling},
		{config.ModeLongPolling, "polling", config.ModePolling},
		{config.ModePolling, "long-polling", config.ModePolling}, // polling is checked first (§1 step 9)
		{config.ModeLongPolling, "eventsource", config.ModeLongPolling},
		{config.ModeStreaming, "eventsource", config.ModeStreaming},
	}
	for _, tt := range tests {
		if got := subscriberMode(tt.location, tt.header); got != tt.want {
			t.Errorf("location %v, header %q: %v, want %v", tt.location, tt.header, got, tt.want)
		}
	}
}
