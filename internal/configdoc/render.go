package configdoc

import (
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Section is one configuration file in the reference.
type Section struct {
	// Title is the section's heading, Intro the markdown under it.
	Title, Intro string
	// Value is the configuration (a struct or a pointer to one) as the
	// loader returns it for a minimal file: its non-zero fields are the
	// defaults.
	Value any
	// Examples are keys whose value in Value came from the minimal file,
	// not from the loader's defaults; their default is not shown.
	Examples []string
}

// table is one struct: a heading (its key path), its type's doc and a row
// per key.
type table struct {
	path string
	doc  string
	rows []row
}

type row struct{ key, typ, def, doc string }

// Render writes the reference: the preamble, then per section its heading,
// its intro and a table per struct.
func Render(w io.Writer, preamble string, c *Comments, sections ...Section) error {
	var b strings.Builder
	b.WriteString(preamble)
	for _, s := range sections {
		v := reflect.ValueOf(s.Value)
		for v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return fmt.Errorf("configdoc: section %q: value is a %s, not a struct", s.Title, v.Kind())
		}
		r := &renderer{c: c, examples: map[string]bool{}}
		for _, k := range s.Examples {
			r.examples[k] = true
		}
		if err := r.walk("", "", v.Type(), v); err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", s.Title, strings.TrimSpace(s.Intro))
		for _, t := range r.tables {
			heading := "Top level"
			if t.path != "" {
				heading = "`" + t.path + "`"
			}
			fmt.Fprintf(&b, "\n### %s\n\n", heading)
			if t.doc != "" {
				fmt.Fprintf(&b, "%s\n\n", t.doc)
			}
			b.WriteString("| Key | Type | Default | Description |\n|---|---|---|---|\n")
			for _, rw := range t.rows {
				def := ""
				if rw.def != "" {
					def = "`" + rw.def + "`"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", rw.key, rw.typ, cell(def), cell(rw.doc))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type renderer struct {
	c        *Comments
	examples map[string]bool
	tables   []*table
}

// walk adds the table of struct type t (value v) at path, then the tables
// of its nested structs, depth first in field order.
func (r *renderer) walk(path, doc string, t reflect.Type, v reflect.Value) error {
	tb := &table{path: path, doc: doc}
	r.tables = append(r.tables, tb)
	var nested []func() error
	if err := r.fields(tb, &nested, path, t, v); err != nil {
		return err
	}
	for _, f := range nested {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// fields adds t's keys to tb (inline fields flattened) and queues the
// tables of its nested structs.
func (r *renderer) fields(tb *table, nested *[]func() error, path string, t reflect.Type, v reflect.Value) error {
	td, err := r.c.typeDoc(t.PkgPath(), t.Name())
	if err != nil {
		return err
	}
	keys := map[string]string{} // Go field name → key, for descriptions
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			keys[t.Field(i).Name] = name
		}
	}
	prevDoc := ""
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if opts == "inline" {
			if err := r.fields(tb, nested, path, f.Type, fv); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		key := path + name
		doc := ""
		if td != nil {
			doc = describe(td.fields[f.Name], keys)
			if doc == "" && prevDoc != "" && regexp.MustCompile(`\b`+f.Name+`\b`).MatchString(prevDoc) {
				doc = "See `" + path + keys[firstField(prevDoc, keys)] + "` above."
			}
			prevDoc = td.fields[f.Name]
		}
		ft := f.Type
		switch {
		case isYAMLNode(ft):
			// Kept as raw YAML and decoded later (for example alert rules):
			// its own fields are the parser's, not configuration keys.
			tb.rows = append(tb.rows, row{key, "YAML", "", doc})
			continue
		case strings.Count(path, ".") > 6:
			return fmt.Errorf("configdoc: %s nests too deep (a recursive type?)", path)
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]():
			tdoc := r.structDoc(ft)
			tb.rows = append(tb.rows, row{key, "object", "", orDoc(doc, tdoc) + " Keys under `" + key + ".` below."})
			*nested = append(*nested, func() error { return r.walk(key+".", tdoc, ft, fv) })
			continue
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
			et := ft.Elem()
			ev := reflect.New(et).Elem()
			if !fv.IsNil() {
				ev = fv.Elem()
			}
			tdoc := r.structDoc(et)
			tb.rows = append(tb.rows, row{key, "object, optional", "", orDoc(doc, tdoc) + " Keys under `" + key + ".` below."})
			*nested = append(*nested, func() error { return r.walk(key+".", tdoc, et, ev) })
			continue
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			et := ft.Elem()
			tdoc := r.structDoc(et)
			tb.rows = append(tb.rows, row{key, "list of objects", "", orDoc(doc, tdoc) + " Keys of each item under `" + key + "[].` below."})
			*nested = append(*nested, func() error { return r.walk(key+"[].", tdoc, et, reflect.New(et).Elem()) })
			continue
		}
		def := ""
		if !r.examples[key] {
			def = format(fv)
			if said, ok := statedDefault(doc); ok && !sameDefault(said, def) {
				doc += fmt.Sprintf(" **The loader does not apply this default: absent, the key is %s.**", orEmpty(def))
			}
		}
		tb.rows = append(tb.rows, row{key, typeName(ft), def, doc})
	}
	return nil
}

// structDoc is the doc comment of a struct type, without its leading name.
func (r *renderer) structDoc(t reflect.Type) string {
	td, err := r.c.typeDoc(t.PkgPath(), t.Name())
	if err != nil || td == nil || td.doc == "" {
		return ""
	}
	keys := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			keys[t.Field(i).Name] = name
		}
	}
	d := td.doc
	// "StoreConfig tunes …" reads "Tunes …", "KafkaConfig is where …"
	// reads "Where …"; "TLS settings …" stays.
	if rest, ok := strings.CutPrefix(d, t.Name()+" "); ok {
		stripped := false
		for _, verb := range []string{"is ", "are "} {
			if r, ok := strings.CutPrefix(rest, verb); ok {
				rest, stripped = r, true
				break
			}
		}
		if stripped || strings.HasSuffix(t.Name(), "Config") || strings.HasSuffix(t.Name(), "Options") {
			d = upperFirst(rest)
		}
	}
	return describe(d, keys)
}

// statedDefault finds "Default X" in a field's doc comment.
func statedDefault(doc string) (string, bool) {
	m := stated.FindStringSubmatch(doc)
	if m == nil {
		return "", false
	}
	return strings.TrimSuffix(m[1], "."), true
}

var stated = regexp.MustCompile(`\b[Dd]efault (\S+)`)

// sameDefault compares the default a comment states with the loader's,
// spelled as format spells it.
func sameDefault(said, def string) bool {
	said = strings.TrimPrefix(strings.Trim(said, ";,()"), "./")
	if said == def {
		return true
	}
	a, errA := time.ParseDuration(said)
	b, errB := time.ParseDuration(def)
	return errA == nil && errB == nil && a == b
}

func orEmpty(def string) string {
	if def == "" {
		return "empty"
	}
	return "`" + def + "`"
}

// describe replaces the struct's Go field names in doc by their keys.
func describe(doc string, keys map[string]string) string {
	if doc == "" {
		return ""
	}
	return goName.ReplaceAllStringFunc(doc, func(w string) string {
		if k, ok := keys[w]; ok {
			return "`" + k + "`"
		}
		return w
	})
}

var goName = regexp.MustCompile(`\b[A-Z][A-Za-z0-9]*\b`)

// firstField is the first Go field name of keys that doc mentions.
func firstField(doc string, keys map[string]string) string {
	for _, w := range goName.FindAllString(doc, -1) {
		if _, ok := keys[w]; ok {
			return w
		}
	}
	return ""
}

func orDoc(doc, typeDoc string) string {
	if doc != "" {
		return doc
	}
	return typeDoc
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// typeName is how a YAML author sees a Go type.
func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "duration (`90s`, `5m`, `1h30m`)"
	case t.Name() == "ByteSize":
		return "size (`1048576`, `512KiB`, `64MiB`, `1GiB`, `10MB`)"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list of " + typeName(t.Elem()) + "s"
	case reflect.Map:
		return "map of " + typeName(t.Key()) + " to " + typeName(t.Elem())
	}
	return t.String()
}

// format is a default value as YAML would spell it; "" for the zero value
// (false is spelled out).
func format(v reflect.Value) string {
	t := v.Type()
	switch {
	case t == reflect.TypeFor[time.Duration]():
		if v.Int() == 0 {
			return ""
		}
		return shortDuration(time.Duration(v.Int()))
	case t.Name() == "ByteSize":
		return byteSize(v.Int())
	}
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() == 0 {
			return ""
		}
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float32, reflect.Float64:
		if v.Float() == 0 {
			return ""
		}
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = format(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if v.IsZero() {
		return ""
	}
	return fmt.Sprint(v.Interface())
}

// shortDuration drops the zero minutes and seconds time.Duration prints
// (168h0m0s → 168h).
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func byteSize(n int64) string {
	switch {
	case n == 0:
		return ""
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}

// cell escapes a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// isYAMLNode reports whether t is yaml.Node (by name, so that this package
// needs no YAML import).
func isYAMLNode(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name() == "Node" && strings.HasSuffix(t.PkgPath(), "yaml/v3")
}
