package format

import (
	"strconv"
	"sync/atomic"
	"time"
)

// HTTPDateLen is the length of every date HTTPDate renders for years 0–9999.
const HTTPDateLen = 29

var (
	dayNames   = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// HTTPDate renders unix seconds as an RFC 1123 GMT date,
// e.g. 0 → "Thu, 01 Jan 1970 00:00:00 GMT".
func HTTPDate(unix int64) string {
	// Answers in the same second (a message fanned out to many long-polling
	// clients) share one formatted string.
	if c := lastDate.Load(); c != nil && c.unix == unix {
		return c.text
	}
	var b [HTTPDateLen]byte
	text := string(AppendHTTPDate(b[:0], unix))
	lastDate.Store(&cachedDate{unix, text})
	return text
}

type cachedDate struct {
	unix int64
	text string
}

var lastDate atomic.Pointer[cachedDate]

// AppendHTTPDate appends HTTPDate(unix) to dst without allocating.
func AppendHTTPDate(dst []byte, unix int64) []byte {
	t := time.Unix(unix, 0).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append(dst, dayNames[t.Weekday()]...)
	dst = append(dst, ',', ' ')
	dst = append2(dst, d)
	dst = append(dst, ' ')
	dst = append(dst, monthNames[mo-1]...)
	dst = append(dst, ' ')
	dst = append4(dst, y)
	dst = append(dst, ' ')
	dst = append2(dst, h)
	dst = append(dst, ':')
	dst = append2(dst, mi)
	dst = append(dst, ':')
	dst = append2(dst, s)
	return append(dst, " GMT"...)
}

// StatsTime renders t in UTC as YYYY-MM-DDTHH:MM:SS (statistics.md §3).
func StatsTime(t time.Time) string {
	var b [19]byte
	return string(AppendStatsTime(b[:0], t))
}

// AppendStatsTime appends StatsTime(t) to dst.
func AppendStatsTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append4(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, int(mo))
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, h)
	dst = append(dst, ':')
	dst = append2(dst, mi)
	dst = append(dst, ':')
	return append2(dst, s)
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	if v < 0 || v > 9999 {
		return strconv.AppendInt(dst, int64(v), 10)
	}
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// ParseHTTPDate parses an If-Modified-Since style date the way nginx does
// (subscriber.md §2): "Wdy, DD Mon YYYY HH:MM:SS" (two-digit day),
// "Weekday, DD-Mon-YY HH:MM:SS" or asctime "Wdy Mon D HH:MM:SS YYYY".
// Whatever follows the seconds (GMT, UTC) is ignored and the month is
// recognised by its letters. It reports false for empty, "null", invalid
// values and dates before the epoch.
func ParseHTTPDate(s string) (int64, bool) {
	const (
		rfc822 = iota // Wdy, DD Mon YYYY HH:MM:SS
		rfc850        // Weekday, DD-Mon-YY HH:MM:SS
		isoc          // Wdy Mon D HH:MM:SS YYYY
	)
	// at returns 0 past the end, which never matches a digit or separator.
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(i int) (int, bool) {
		c := at(i)
		if c < '0' || c > '9' {
			return 0, false
		}
		return int(c - '0'), true
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for k := 0; k < n; k++ {
			d, ok := digit(i + k)
			if !ok {
				return 0, false
			}
			v = v*10 + d
		}
		return v, true
	}

	fmtKind := rfc822
	p := 0
	for ; p < len(s); p++ {
		if s[p] == ',' {
			break
		}
		if s[p] == ' ' {
			fmtKind = isoc
			break
		}
	}
	for p++; p < len(s) && s[p] == ' '; p++ {
	}
	if len(s)-p < 18 {
		return 0, false
	}

	var day, month, year int
	var ok bool
	if fmtKind != isoc {
		if day, ok = num(p, 2); !ok {
			return 0, false
		}
		p += 2
		switch at(p) {
		case ' ':
			if len(s)-p < 18 {
				return 0, false
			}
			fmtKind = rfc822
		case '-':
			fmtKind = rfc850
		default:
			return 0, false
		}
		p++
	}

	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return 0, false
	}
	p += 3
	if (fmtKind == rfc822 && at(p) != ' ') || (fmtKind == rfc850 && at(p) != '-') {
		return 0, false
	}
	p++

	switch fmtKind {
	case rfc822:
		if year, ok = num(p, 4); !ok {
			return 0, false
		}
		p += 4
	case rfc850:
		if year, ok = num(p, 2); !ok {
			return 0, false
		}
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case isoc:
		if at(p) == ' ' {
			p++
		}
		if day, ok = digit(p); !ok {
			return 0, false
		}
		p++
		if at(p) != ' ' {
			d, ok := digit(p)
			if !ok {
				return 0, false
			}
			day = day*10 + d
			p++
		}
		if len(s)-p < 14 {
			return 0, false
		}
	}

	if at(p) != ' ' {
		return 0, false
	}
	p++
	hour, ok1 := num(p, 2)
	min, ok2 := num(p+3, 2)
	sec, ok3 := num(p+6, 2)
	if !ok1 || !ok2 || !ok3 || at(p+2) != ':' || at(p+5) != ':' {
		return 0, false
	}
	p += 8
	if fmtKind == isoc {
		if at(p) != ' ' {
			return 0, false
		}
		if year, ok = num(p+1, 4); !ok {
			return 0, false
		}
	}
	if hour > 23 || min > 59 || sec > 59 {
		return 0, false
	}
	if day == 29 && month == 1 {
		if year%4 != 0 || (year%100 == 0 && year%400 != 0) {
			return 0, false
		}
	} else if day > monthDays[month] {
		return 0, false
	}
	t := time.Date(year, time.Month(month+1), day, hour, min, sec, 0, time.UTC).Unix()
	if t < 0 {
		return 0, false
	}
	return t, true
}

var monthDays = [12]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// ParseTag parses an If-None-Match style tag (subscriber.md §2): a leading
// "W/" is removed when the value is longer than 2 bytes, the rest must be
// decimal digits only. It returns -1 when the tag is absent or invalid.
func ParseTag(s string) int64 {
	if len(s) > 2 && s[0] == 'W' && s[1] == '/' {
		s = s[2:]
	}
	if s == "" {
		return -1
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		if v > (1<<63-1-int64(c-'0'))/10 {
			return -1 // overflow
		}
		v = v*10 + int64(c-'0')
	}
	return v
}
