//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRunUsageAndErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{nil, 2, "usage"},
		{[]string{"-json"}, 2, "usage"},
		{[]string{"fanout", "-mode", "carrier-pigeon"}, 2, "unknown mode"},
		{[]string{"warp", "-url", "http://127.0.0.1:1"}, 2, "unknown scenario"},
		{[]string{"pubonly", "-server-cpu", "0"}, 2, "needs -pid"},
		{[]string{"pubonly", "-cpu", "x"}, 2, "bad cpu"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.err) {
			t.Errorf("%v: code %d, stderr %q; want %d and %q", tt.args, code, errb.String(), tt.code, tt.err)
		}
	}
}

func TestRunPubOnlyJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"channel": "x"}`)
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	code := run([]string{"pubonly", "-url", srv.URL, "-messages", "50", "-publishers", "2", "-json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s, out %s", code, errb.String(), out.String())
	}
	var res struct {
		Scenario  string `json:"scenario"`
		Published int64  `json:"published"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Scenario != "pubonly" || res.Published != 50 {
		t.Errorf("json %s: %+v %v", out.String(), res, err)
	}
}
