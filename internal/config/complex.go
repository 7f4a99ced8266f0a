package config

// Vars gives the values of nginx variables for one request. The router
// implements it; Complex values and If conditions evaluate against it.
type Vars interface {
	// Var returns the value of the variable named name (without '$'), for
	// example "arg_id", "http_user_agent", "cookie_x", "uri", "host", "1".
	// Missing values are "".
	Var(name string) string
}

// Complex is a compiled complex value ("test_$arg_id", "${arg_id}x", "$1").
// The result of Eval is raw: callers %-decode it (router.Decode) where the
// spec says so.
type Complex struct {
	Source string
	parts  []complexPart
}

type complexPart struct {
	lit  string // literal text when name == ""
	name string
}

// Eval evaluates the value for one request.
func (c *Complex) Eval(v Vars) string {
	if c == nil {
		return ""
	}
	if len(c.parts) == 1 && c.parts[0].name == "" {
		return c.parts[0].lit
	}
	n := 0
	vals := make([]string, len(c.parts))
	for i, p := range c.parts {
		if p.name == "" {
			vals[i] = p.lit
		} else {
			vals[i] = v.Var(p.name)
		}
		n += len(vals[i])
	}
	b := make([]byte, 0, n)
	for _, s := range vals {
		b = append(b, s...)
	}
	return string(b)
}

// Cond is a compiled `if` condition. Eval reports whether it holds and, for
// regex conditions that matched, the captures that replace $1..$9
// (captures[0] is the whole match); nil captures means "keep the current ones".
type Cond struct {
	Source string
	eval   func(v Vars) (bool, []string)
}

// Eval evaluates the condition.
func (c *Cond) Eval(v Vars) (bool, []string) { return c.eval(v) }
