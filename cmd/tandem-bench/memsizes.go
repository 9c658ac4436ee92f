package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
)

// stackMemoryMB reads each function's memory size from where the stack
// sets it, infra/tandem/functions.go (infra is its own module, so the bench
// reads the source instead of importing it): the `xSize =
// functionSize{memoryMB: N, ...}` declarations and the `add("name", xSize)`
// calls, where `add("sync-"+p, syncSize)` stands for every sync-<platform>.
// names are the functions to resolve; any left unresolved is an error.
func stackMemoryMB(root string, names []string) (map[string]float64, error) {
	path := filepath.Join(root, "infra", "tandem", "functions.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	sizes := map[string]float64{}
	uses := map[string]string{}    // function name or "sync-" prefix → size var
	consts := map[string]float64{} // numeric constants a size may name
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok {
			for i, name := range v.Names {
				if i < len(v.Values) {
					if lit, ok := v.Values[i].(*ast.BasicLit); ok {
						if mb, err := strconv.ParseFloat(lit.Value, 64); err == nil {
							consts[name.Name] = mb
						}
					}
				}
			}
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if i >= len(n.Values) {
					continue
				}
				lit, ok := n.Values[i].(*ast.CompositeLit)
				if !ok {
					continue
				}
				for _, e := range lit.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if k, isIdent := kv.Key.(*ast.Ident); ok && isIdent && k.Name == "memoryMB" {
						switch v := kv.Value.(type) {
						case *ast.BasicLit:
							if mb, err := strconv.ParseFloat(v.Value, 64); err == nil {
								sizes[name.Name] = mb
							}
						case *ast.Ident:
							if mb, ok := consts[v.Name]; ok {
								sizes[name.Name] = mb
							}
						}
					}
				}
			}
		case *ast.CallExpr:
			fn, ok := n.Fun.(*ast.Ident)
			if !ok || fn.Name != "add" || len(n.Args) != 2 {
				return true
			}
			size, ok := n.Args[1].(*ast.Ident)
			if !ok {
				return true
			}
			switch a := n.Args[0].(type) {
			case *ast.BasicLit:
				uses[strings.Trim(a.Value, `"`)] = size.Name
			case *ast.BinaryExpr:
				if lit, ok := a.X.(*ast.BasicLit); ok {
					uses[strings.Trim(lit.Value, `"`)+"*"] = size.Name
				}
			}
		}
		return true
	})
	out := map[string]float64{}
	for _, name := range names {
		v, ok := uses[name]
		if !ok {
			for prefix, pv := range uses {
				if p, isPrefix := strings.CutSuffix(prefix, "*"); isPrefix && strings.HasPrefix(name, p) {
					v, ok = pv, true
				}
			}
		}
		mb, found := sizes[v]
		if !ok || !found {
			return nil, fmt.Errorf("%s: no memory size found for function %s", path, name)
		}
		out[name] = mb
	}
	return out, nil
}

// stackPlatformLines reads, from the same file, which functions keep
// Lambda's START, END and REPORT lines at the stack's defaults: the
// `logging` method sets the system log level WARN, which drops them, for
// the functions its `perChange(name)` guard selects; every other function
// keeps them. perChange's return expression is evaluated for each name; it
// may combine `name == "x"` and `strings.HasPrefix(name, "x")` with || and
// &&. A logging method without SystemLogLevel_WARN keeps every function's
// lines.
func stackPlatformLines(root string, names []string) (map[string]bool, error) {
	path := filepath.Join(root, "infra", "tandem", "functions.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	var selects ast.Expr
	warn := false
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		switch fd.Name.Name {
		case "perChange":
			if len(fd.Body.List) == 1 {
				if ret, ok := fd.Body.List[0].(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
					selects = ret.Results[0]
				}
			}
		case "logging":
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "SystemLogLevel_WARN" {
					warn = true
				}
				return true
			})
		}
	}
	out := map[string]bool{}
	for _, name := range names {
		out[name] = true
		if !warn {
			continue
		}
		if selects == nil {
			return nil, fmt.Errorf("%s: the logging method drops Lambda's lines, but no perChange(name) says for which functions", path)
		}
		dropped, err := evalNameTest(selects, name)
		if err != nil {
			return nil, fmt.Errorf("%s: perChange: %w", path, err)
		}
		out[name] = !dropped
	}
	return out, nil
}

// evalNameTest evaluates a boolean expression over the identifier name.
func evalNameTest(e ast.Expr, name string) (bool, error) {
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return evalNameTest(e.X, name)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LOR, token.LAND:
			x, err := evalNameTest(e.X, name)
			if err != nil {
				return false, err
			}
			y, err := evalNameTest(e.Y, name)
			if err != nil {
				return false, err
			}
			if e.Op == token.LOR {
				return x || y, nil
			}
			return x && y, nil
		case token.EQL:
			if s, ok := lit(e.Y); ok {
				return name == s, nil
			}
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "HasPrefix" && len(e.Args) == 2 {
			if s, ok := lit(e.Args[1]); ok {
				return strings.HasPrefix(name, s), nil
			}
		}
	}
	return false, fmt.Errorf("cannot evaluate %T", e)
}
