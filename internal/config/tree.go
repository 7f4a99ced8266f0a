package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// node is one directive of the syntax tree, before interpretation.
type node struct {
	name     string
	args     []token
	file     string
	line     int
	block    bool
	children []*node
}

func (n *node) argStrings() []string {
	out := make([]string, len(n.args))
	for i, a := range n.args {
		out[i] = a.text
	}
	return out
}

const (
	maxBlockDepth   = 64
	maxIncludeDepth = 16
)

// treeReader turns files into a tree, splicing `include` in place.
type treeReader struct {
	readFile readFunc
}

func (tr *treeReader) parse(file string, data []byte, incDepth int) ([]*node, error) {
	return tr.block(newLexer(file, data), false, 0, incDepth)
}

func (tr *treeReader) block(lx *lexer, inBlock bool, depth, incDepth int) ([]*node, error) {
	var out []*node
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEOF:
			if inBlock {
				return nil, errAt(lx.file, t.line, `unexpected end of file, expecting "}"`)
			}
			return out, nil
		case tokClose:
			if !inBlock {
				return nil, errAt(lx.file, t.line, `unexpected "}"`)
			}
			return out, nil
		case tokSemi:
			return nil, errAt(lx.file, t.line, `unexpected ";"`)
		case tokOpen:
			return nil, errAt(lx.file, t.line, `unexpected "{"`)
		}
		n := &node{name: t.text, file: lx.file, line: t.line}
	args:
		for {
			t, err := lx.next()
			if err != nil {
				return nil, err
			}
			switch t.kind {
			case tokWord:
				n.args = append(n.args, t)
			case tokSemi:
				break args
			case tokOpen:
				if depth >= maxBlockDepth {
					return nil, errAt(lx.file, t.line, "too deeply nested blocks")
				}
				n.block = true
				if n.children, err = tr.block(lx, true, depth+1, incDepth); err != nil {
					return nil, err
				}
				break args
			case tokClose:
				return nil, errAt(lx.file, t.line, `unexpected "}"`)
			case tokEOF:
				return nil, errAt(lx.file, t.line, `unexpected end of file, expecting ";" or "}"`)
			}
		}
		if n.name == "include" && !n.block {
			inc, err := tr.include(n, incDepth)
			if err != nil {
				return nil, err
			}
			out = append(out, inc...)
			continue
		}
		out = append(out, n)
	}
}

// include expands `include PATTERN;` relative to the including file's directory.
func (tr *treeReader) include(n *node, incDepth int) ([]*node, error) {
	if len(n.args) != 1 {
		return nil, errAt(n.file, n.line, `invalid number of arguments in "include" directive`)
	}
	if incDepth >= maxIncludeDepth {
		return nil, errAt(n.file, n.line, "include nesting too deep")
	}
	pattern := n.args[0].text
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(filepath.Dir(n.file), pattern)
	}
	var files []string
	if strings.ContainsAny(pattern, "*?[") {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return nil, errAt(n.file, n.line, "invalid include pattern %q: %v", pattern, err)
		}
		sort.Strings(m)
		files = m
	} else {
		files = []string{pattern}
	}
	var out []*node
	for _, f := range files {
		data, err := tr.readFile(f)
		if err != nil {
			return nil, errAt(n.file, n.line, "open() %q failed (%v)", f, unwrapPathErr(err))
		}
		nodes, err := tr.parse(f, data, incDepth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, nodes...)
	}
	return out, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return fmt.Errorf("%w", err)
}
