// Package configdoc renders the configuration reference, docs/CONFIG.md,
// from the configuration structs themselves, so that the page cannot drift
// from the code.
//
// # What it reads
//
// A [Section] names a configuration value after the loader applied its
// defaults (for example what agent.ParseConfig returns for a minimal file).
// [Render] walks its type with reflect: every exported field with a yaml
// tag becomes a key (inline fields are flattened, structs, pointers to
// structs and lists of structs become sub-tables), the key's default is the
// field's value in the section's value, and its description is the field's
// doc comment, or its line comment, read from the Go source with go/parser.
// In a description, the names of the struct's Go fields are replaced by
// their YAML keys.
//
// # How docs/CONFIG.md is kept current
//
// The test in this package renders the agent's and the aggregator's
// configuration and fails when docs/CONFIG.md differs; run
//
//	go generate ./internal/configdoc
//
// (which runs that test with -update) to rewrite the page. The renderer
// itself imports no Eddy package: internal packages are leaves
// (docs/ARCHITECTURE.md), and only the test names agent and aggregator.
package configdoc

//go:generate go test -count=1 -run TestConfigDocUpToDate . -args -update
