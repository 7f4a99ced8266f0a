package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// knownVars are the plain variable names a complex value may use; the
// prefixed families (arg_, http_, cookie_, sent_http_) are checked apart.
var knownVars = map[string]bool{
	"uri": true, "document_uri": true, "request_uri": true, "args": true, "query_string": true,
	"is_args": true, "host": true, "hostname": true, "remote_addr": true, "remote_port": true,
	"request_method": true, "scheme": true, "server_name": true, "server_addr": true,
	"server_port": true, "server_protocol": true, "request_filename": true, "content_type": true,
	"content_length": true, "pid": true, "msec": true, "time_iso8601": true, "time_local": true,
	"request_id": true, "connection": true, "https": true,
}

var varPrefixes = []string{"arg_", "http_", "cookie_", "sent_http_"}

// KnownVariable reports whether name (without '$') is a variable pushstream
// can evaluate.
func KnownVariable(name string) bool {
	if len(name) == 1 && name[0] >= '1' && name[0] <= '9' {
		return true
	}
	if knownVars[name] {
		return true
	}
	for _, p := range varPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return true
		}
	}
	return false
}

func isVarChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// CompileComplex compiles a complex value: literal text mixed with $name,
// ${name} and $1..$9.
func CompileComplex(src string) (*Complex, error) {
	c := &Complex{Source: src}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			c.parts = append(c.parts, complexPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); i++ {
		if src[i] != '$' {
			lit.WriteByte(src[i])
			continue
		}
		var name string
		switch {
		case i+1 < len(src) && src[i+1] >= '1' && src[i+1] <= '9':
			name = src[i+1 : i+2]
			i++
		case i+1 < len(src) && src[i+1] == '{':
			end := strings.IndexByte(src[i+2:], '}')
			if end < 0 {
				return nil, fmt.Errorf("the closing bracket in %q variable is missing", src[i+2:])
			}
			name = src[i+2 : i+2+end]
			i += 2 + end
		default:
			j := i + 1
			for j < len(src) && isVarChar(src[j]) {
				j++
			}
			name = src[i+1 : j]
			i = j - 1
		}
		if name == "" {
			return nil, fmt.Errorf("invalid variable name in %q", src)
		}
		if !KnownVariable(name) {
			return nil, fmt.Errorf("unknown %q variable", name)
		}
		flush()
		c.parts = append(c.parts, complexPart{name: name})
	}
	flush()
	if len(c.parts) == 0 {
		c.parts = []complexPart{{lit: ""}}
	}
	return c, nil
}

// Vars returns the names of the variables the value uses, in order.
func (c *Complex) Vars() []string {
	if c == nil {
		return nil
	}
	var names []string
	for _, p := range c.parts {
		if p.name != "" {
			names = append(names, p.name)
		}
	}
	return names
}

// compileCond compiles the arguments of `if (...)` (config.md §3). The
// caller has already removed the parentheses.
func compileCond(args []string) (*Cond, error) {
	src := strings.Join(args, " ")
	bad := fmt.Errorf("invalid condition %q", src)
	if len(args) == 0 {
		return nil, bad
	}
	cond := &Cond{Source: src}
	switch len(args) {
	case 1:
		if !strings.HasPrefix(args[0], "$") {
			return nil, bad
		}
		v, err := CompileComplex(args[0])
		if err != nil {
			return nil, err
		}
		cond.eval = func(vs Vars) (bool, []string) {
			s := v.Eval(vs)
			return s != "" && s != "0", nil
		}
		return cond, nil
	case 2:
		op := args[0]
		neg := strings.HasPrefix(op, "!")
		var check func(os.FileInfo) bool
		switch strings.TrimPrefix(op, "!") {
		case "-f":
			check = func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }
		case "-d":
			check = func(fi os.FileInfo) bool { return fi.IsDir() }
		case "-e":
			check = func(os.FileInfo) bool { return true }
		case "-x":
			check = func(fi os.FileInfo) bool { return fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 }
		default:
			return nil, bad
		}
		path, err := CompileComplex(args[1])
		if err != nil {
			return nil, err
		}
		cond.eval = func(vs Vars) (bool, []string) {
			p := path.Eval(vs)
			ok := false
			if p != "" {
				if fi, err := os.Stat(p); err == nil {
					ok = check(fi)
				}
			}
			return ok != neg, nil
		}
		return cond, nil
	case 3:
	default:
		return nil, bad
	}
	if !strings.HasPrefix(args[0], "$") {
		return nil, bad
	}
	left, err := CompileComplex(args[0])
	if err != nil {
		return nil, err
	}
	switch op := args[1]; op {
	case "=", "!=":
		right, err := CompileComplex(args[2])
		if err != nil {
			return nil, err
		}
		neg := op == "!="
		cond.eval = func(vs Vars) (bool, []string) {
			return (left.Eval(vs) == right.Eval(vs)) != neg, nil
		}
	case "~", "~*", "!~", "!~*":
		expr := args[2]
		if strings.HasSuffix(op, "*") {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("invalid regex %q: %v", args[2], err)
		}
		neg := strings.HasPrefix(op, "!")
		cond.eval = func(vs Vars) (bool, []string) {
			s := left.Eval(vs)
			m := re.FindStringSubmatchIndex(s)
			if m == nil {
				return neg, nil
			}
			if neg {
				return false, nil
			}
			return true, captures(s, m)
		}
	default:
		return nil, bad
	}
	return cond, nil
}

// captures turns a submatch index list into strings; unmatched groups are "".
func captures(s string, m []int) []string {
	out := make([]string, len(m)/2)
	for i := range out {
		if m[2*i] >= 0 {
			out[i] = s[m[2*i]:m[2*i+1]]
		}
	}
	return out
}
