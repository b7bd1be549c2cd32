package configdoc

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// Comments reads doc comments from the Go source of one module, package by
// package, on first use.
type Comments struct {
	module string // module path, for example github.com/eddy-iot/eddy
	root   string // the module's directory
	pkgs   map[string]*pkgDocs
}

// pkgDocs are one package's struct types: their doc and their fields' docs.
type pkgDocs struct {
	types map[string]*typeDocs
}

type typeDocs struct {
	doc    string
	fields map[string]string // Go field name (embedded: the type's name) → doc
}

// NewComments reads the source of module, whose go.mod is in root.
func NewComments(module, root string) *Comments {
	return &Comments{module: module, root: root, pkgs: map[string]*pkgDocs{}}
}

// typeDoc returns the doc comments of the struct type name in package
// pkgPath (nil when the package is outside the module or has no such type).
func (c *Comments) typeDoc(pkgPath, name string) (*typeDocs, error) {
	rel, ok := strings.CutPrefix(pkgPath, c.module)
	if !ok || (rel != "" && rel[0] != '/') {
		return nil, nil
	}
	p, ok := c.pkgs[pkgPath]
	if !ok {
		var err error
		if p, err = parsePackage(filepath.Join(c.root, filepath.FromSlash(rel))); err != nil {
			return nil, err
		}
		c.pkgs[pkgPath] = p
	}
	return p.types[name], nil
}

// parsePackage collects the struct types declared in dir's non-test files.
func parsePackage(dir string) (*pkgDocs, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	p := &pkgDocs{types: map[string]*typeDocs{}}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("configdoc: %w", err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(g.Specs) == 1 {
					doc = g.Doc
				}
				td := &typeDocs{doc: text(doc), fields: map[string]string{}}
				for _, fl := range st.Fields.List {
					fd := text(fl.Doc)
					if fd == "" {
						fd = text(fl.Comment)
					}
					for _, n := range fl.Names {
						td.fields[n.Name] = fd
					}
					if len(fl.Names) == 0 {
						td.fields[embeddedName(fl.Type)] = fd
					}
				}
				p.types[ts.Name.Name] = td
			}
		}
	}
	return p, nil
}

func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.Ident:
		return t.Name
	}
	return ""
}

// text is a comment group as one line.
func text(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}
