package handler

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/httpd"
)

func TestConnLimits(t *testing.T) {
	const loc = "location /p { push_stream_publisher; push_stream_channels_path $arg_id; }"
	conf := func(http string) string {
		return "http {\n push_stream_shared_memory_size 10m;\n" + http + "\n server { listen 9990; " + loc + " }\n}\n"
	}
	tests := []struct {
		name string
		http string
		want httpd.Limits
	}{
		{"nginx defaults", "", httpd.Limits{HeaderTimeout: time.Minute, BodyTimeout: time.Minute, SendTimeout: time.Minute,
			MaxHeaderBytes: 32 << 10, MaxLineBytes: 8 << 10}},
		{"configured", `push_stream_max_connections 100; push_stream_max_connections_per_ip 10;
			client_header_timeout 5s; client_body_timeout 6s; send_timeout 7s; large_client_header_buffers 2 4k;`,
			httpd.Limits{MaxConns: 100, MaxConnsPerIP: 10, HeaderTimeout: 5 * time.Second, BodyTimeout: 6 * time.Second,
				SendTimeout: 7 * time.Second, MaxHeaderBytes: 8 << 10, MaxLineBytes: 4 << 10}},
		{"big first buffer", "client_header_buffer_size 64k; large_client_header_buffers 2 1k;", httpd.Limits{HeaderTimeout: time.Minute,
			BodyTimeout: time.Minute, SendTimeout: time.Minute, MaxHeaderBytes: 64 << 10, MaxLineBytes: 1 << 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("t.conf", []byte(conf(tt.http)))
			if err != nil {
				t.Fatal(err)
			}
			if got := ConnLimits(cfg); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBodyErrorStatus(t *testing.T) {
	if s := bodyErrorStatus(fmt.Errorf("read: %w", os.ErrDeadlineExceeded)); s != http.StatusRequestTimeout {
		t.Errorf("timeout -> %d", s)
	}
	if s := bodyErrorStatus(errors.New("bad chunk")); s != http.StatusBadRequest {
		t.Errorf("other -> %d", s)
	}
}
