package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseTime parses an nginx time value (config.md §6): a bare number is
// seconds; units ms s m h d w M y may be combined ("1h 30m").
func parseTime(s string, allowMS bool) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var total time.Duration
	rest := s
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, false
		}
		rest = rest[i:]
		unit := time.Second
		switch {
		case strings.HasPrefix(rest, "ms"):
			if !allowMS {
				return 0, false
			}
			unit, rest = time.Millisecond, rest[2:]
		case rest == "" || rest[0] == ' ':
		default:
			switch rest[0] {
			case 's':
			case 'm':
				unit = time.Minute
			case 'h':
				unit = time.Hour
			case 'd':
				unit = 24 * time.Hour
			case 'w':
				unit = 7 * 24 * time.Hour
			case 'M':
				unit = 30 * 24 * time.Hour
			case 'y':
				unit = 365 * 24 * time.Hour
			default:
				return 0, false
			}
			rest = rest[1:]
		}
		if n > int64(math.MaxInt64/unit) {
			return 0, false
		}
		d := time.Duration(n) * unit
		if total > math.MaxInt64-d {
			return 0, false
		}
		total += d
	}
	return total, true
}

// parseSize parses N, Nk/NK, Nm/NM (bytes).
func parseSize(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult, s = 1024, s[:len(s)-1]
	case 'm', 'M':
		mult, s = 1024*1024, s[:len(s)-1]
	case 'g', 'G':
		mult, s = 1024*1024*1024, s[:len(s)-1]
	}
	n, ok := parseNumber(s)
	if !ok || n > math.MaxInt64/mult {
		return 0, false
	}
	return n * mult, true
}

// parseNumber parses an unsigned decimal.
func parseNumber(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseFlag parses on/off case-insensitively.
func parseFlag(name, s string) (bool, error) {
	switch {
	case strings.EqualFold(s, "on"):
		return true, nil
	case strings.EqualFold(s, "off"):
		return false, nil
	}
	return false, fmt.Errorf("invalid value %q in %q directive, it must be \"on\" or \"off\"", s, name)
}
