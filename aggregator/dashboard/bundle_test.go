package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// webDir is the front end's source folder, from this package's folder.
const webDir = "../../web"

// manifest is assets/build.json, written by web/build.mjs.
type manifest struct {
	SourcesSHA256 string `json:"sources_sha256"`
	Files         map[string]struct {
		Bytes  int    `json:"bytes"`
		SHA256 string `json:"sha256"`
	} `json:"files"`
}

// sourcesDigest is web/build.mjs's sourcesDigest in Go: for each input in
// byte order of its path relative to web/, "<path>\n<sha256 hex>\n".
func sourcesDigest(t *testing.T) string {
	t.Helper()
	files := []string{"build.mjs", "package.json", "package-lock.json", "tsconfig.json"}
	err := filepath.WalkDir(filepath.Join(webDir, "src"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(webDir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(webDir, f))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		h.Write([]byte(f + "\n" + hex.EncodeToString(sum[:]) + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestBundleMatchesSources fails when web/ changed without a rebuild of
// the committed assets, or when an asset was edited by hand. No Node.
func TestBundleMatchesSources(t *testing.T) {
	raw, err := embedded.ReadFile("assets/build.json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if got := sourcesDigest(t); got != m.SourcesSHA256 {
		t.Fatalf("aggregator/dashboard/assets was not built from the current web/ sources (digest %s, build.json says %s): run cd web && npm ci && npm run build, and commit both", got, m.SourcesSHA256)
	}
	entries, err := embedded.ReadDir("assets")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{"build.json": true}
	for name, f := range m.Files {
		b, err := embedded.ReadFile("assets/" + name)
		if err != nil {
			t.Errorf("build.json lists %s: %v", name, err)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || len(b) != f.Bytes {
			t.Errorf("assets/%s differs from what build.json recorded: edited by hand? rebuild with npm run build", name)
		}
		seen[name] = true
	}
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("assets/%s is not part of the build: remove it or rebuild", e.Name())
		}
	}
	page, _ := embedded.ReadFile("assets/index.html")
	for _, ref := range regexp.MustCompile(`(?:src|href)="assets/([^"]+)"`).FindAllSubmatch(page, -1) {
		if _, ok := m.Files[string(ref[1])]; !ok {
			t.Errorf("index.html loads assets/%s, which the build did not write", ref[1])
		}
	}
}
