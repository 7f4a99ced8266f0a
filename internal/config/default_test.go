package config

import (
	"testing"
	"time"
)

func TestLoadDefault(t *testing.T) {
	cfg, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.UsesPushStream || len(cfg.Servers) != 1 {
		t.Fatalf("UsesPushStream=%v servers=%d", cfg.UsesPushStream, len(cfg.Servers))
	}
	srv := cfg.Servers[0]
	if len(srv.Listens) != 1 || srv.Listens[0] != (Listen{Addr: "0.0.0.0:9080", DefaultServer: true}) {
		t.Fatalf("listens = %+v", srv.Listens)
	}
	g := cfg.Global
	if g.SharedMemorySize != 100<<20 || g.MaxChannelIDLength != 200 || g.MaxMessagesStoredPerChannel != 20 ||
		g.MessageTTL != 5*time.Minute || g.WildcardChannelPrefix != "broad_" {
		t.Fatalf("global = %+v", g)
	}
	want := []struct {
		pattern string
		handler HandlerKind
		mode    SubscriberMode
		ifs     int
	}{
		{"/channels-stats", HandlerStatistics, 0, 0},
		{"/pub", HandlerPublisher, 0, 0},
		{"/sub/(.*)", HandlerSubscriber, ModeStreaming, 2},
		{"/ev/(.*)", HandlerSubscriber, ModeEventSource, 2},
		{"/lp/(.*)", HandlerSubscriber, ModeLongPolling, 2},
		{"/jsonp/(.*)", HandlerSubscriber, ModeLongPolling, 1},
		{"/ws/(.*)", HandlerSubscriber, ModeWebSocket, 2},
		{"/metrics", HandlerMetrics, 0, 0},
		{"/healthz", HandlerHealthLive, 0, 0},
		{"/readyz", HandlerHealthReady, 0, 0},
	}
	if len(srv.Locations) != len(want) {
		t.Fatalf("%d locations", len(srv.Locations))
	}
	for i, w := range want {
		l := srv.Locations[i]
		if l.Pattern != w.pattern || l.Handler != w.handler || l.Mode != w.mode || len(l.Ifs) != w.ifs {
			t.Errorf("location %d = %q %v %v ifs=%d", i, l.Pattern, l.Handler, l.Mode, len(l.Ifs))
		}
		if l.Settings.AllowedOrigins.Eval(nil) != "*" || l.Settings.WildcardChannelMaxQtd != 3 {
			t.Errorf("location %q: inherited http values missing", l.Pattern)
		}
	}
	pub := srv.Locations[1]
	if !pub.PublisherAdmin || !pub.Settings.StoreMessages || pub.Settings.ClientMaxBodySize != 32<<10 {
		t.Errorf("pub = %+v %+v", pub, pub.Settings)
	}
	ws := srv.Locations[6].Settings
	if !ws.StoreMessages || !ws.WebsocketAllowPublish {
		t.Errorf("ws settings = %+v", ws)
	}
	ev := srv.Locations[3].Settings
	wantTmpl := `{"id":~id~,"channel":"~channel~","text":"~text~", "tag":"~tag~", "time":"~time~", "eventid":"~event-id~"}`
	if ev.MessageTemplate != wantTmpl {
		t.Errorf("message template = %q", ev.MessageTemplate)
	}
	sub := srv.Locations[2].Settings
	if sub.DefaultType != "text/html; charset=utf-8" || sub.FooterTemplate != "</body></html>" {
		t.Errorf("sub settings = %+v", sub)
	}
	if ev.LongpollingConnTTL != 30*time.Second || ev.SubscriberConnectionTTL != 15*time.Minute {
		t.Errorf("ttls = %v %v", ev.LongpollingConnTTL, ev.SubscriberConnectionTTL)
	}
}
