//go:build linux

package bench

import "testing"

func TestChecker(t *testing.T) {
	tests := []struct {
		name     string
		adds     [][2]int64 // pub, seq
		expected []int64
		want     Counts
	}{
		{"in order", [][2]int64{{0, 1}, {0, 2}, {0, 3}}, []int64{3}, Counts{Received: 3}},
		{"lost tail and middle", [][2]int64{{0, 1}, {0, 3}}, []int64{4}, Counts{Received: 2, Lost: 2}},
		{"duplicate", [][2]int64{{0, 1}, {0, 1}, {0, 2}}, []int64{2}, Counts{Received: 2, Duplicate: 1}},
		{"reordered", [][2]int64{{0, 2}, {0, 1}, {0, 3}}, []int64{3}, Counts{Received: 3, Reordered: 1}},
		{"two publishers interleaved", [][2]int64{{1, 1}, {0, 1}, {0, 2}, {1, 2}}, []int64{2, 2}, Counts{Received: 4}},
		{"probe and out of range ignored", [][2]int64{{0, 0}, {0, 1}, {0, 99}, {5, 1}}, []int64{1}, Counts{Received: 1}},
		{"nothing arrived", nil, []int64{3, 2}, Counts{Lost: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChecker(2, 10)
			for _, a := range tt.adds {
				c.Add(a[0], a[1])
			}
			if got := c.Result(tt.expected); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCheckerAddReportsFresh(t *testing.T) {
	c := NewChecker(1, 64)
	if !c.Add(0, 64) || c.Add(0, 64) || c.Add(0, 65) || c.Add(0, 0) {
		t.Error("fresh/duplicate/out-of-range reporting wrong")
	}
}
