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
