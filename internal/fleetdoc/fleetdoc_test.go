package fleetdoc

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func testDoc() *Document {
	return &Document{Format: Format, Agent: "gw-1", Version: 3, Comment: "a <b> & c",
		Pipelines: []Pipeline{{Name: "fleet", SQL: "CREATE SOURCE s (x INT) WITH (connector = 'mqtt', topic = 't');\n"}}}
}

func keys(t *testing.T) (Keyring, []byte) {
	t.Helper()
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := NewKeyring([]string{FormatPublicKey(pub)})
	if err != nil {
		t.Fatal(err)
	}
	return kr, priv
}

func TestSignVerifyRoundTrip(t *testing.T) {
	kr, privPEM := keys(t)
	priv, err := ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	d := testDoc()
	d.Sign(priv)
	got, err := Decode(d.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(kr); err != nil {
		t.Fatal(err)
	}
	if got.Digest() != d.Digest() {
		t.Fatal("digest changed through encode/decode")
	}
	if !bytes.HasPrefix(got.SigningBytes(), []byte(signingContext+`{"format":"eddy.fleet-config.v1","agent":"gw-1","version":3,"comment":"a <b> & c",`)) {
		t.Fatalf("canonical bytes: %s", got.SigningBytes())
	}
}

func TestVerifyRejects(t *testing.T) {
	kr, privPEM := keys(t)
	priv, _ := ParsePrivateKey(privPEM)
	_, otherPEM := keys(t)
	other, _ := ParsePrivateKey(otherPEM)

	f := func(name string, mutate func(d *Document), want error) {
		t.Helper()
		d := testDoc()
		mutate(d)
		got, err := Decode(d.Encode())
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		err = got.Verify(kr)
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	f("unsigned", func(d *Document) {}, ErrUnsigned)
	f("unknown key", func(d *Document) { d.Sign(other) }, ErrUnknownKey)
	f("changed version", func(d *Document) { d.Sign(priv); d.Version++ }, ErrBadSignature)
	f("changed sql", func(d *Document) { d.Sign(priv); d.Pipelines[0].SQL += " " }, ErrBadSignature)
	f("changed agent", func(d *Document) { d.Sign(priv); d.Agent = "" }, ErrBadSignature)
	f("garbage signature", func(d *Document) { d.Sign(priv); d.Signature.Sig = "!!" }, ErrBadSignature)
	f("signature of other key under trusted id", func(d *Document) {
		d.Sign(other)
		d.Signature.Key = kr.IDs()[0]
	}, ErrBadSignature)
}

// A duplicated member cannot change what was signed: the verifier signs
// what it decoded.
func TestDuplicateMemberBreaksSignature(t *testing.T) {
	kr, privPEM := keys(t)
	priv, _ := ParsePrivateKey(privPEM)
	d := testDoc()
	d.Sign(priv)
	b := d.Encode()
	b = bytes.Replace(b, []byte(`"version": 3,`), []byte(`"version": 3, "version": 99,`), 1)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(kr); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	f := func(doc, want string) {
		t.Helper()
		_, err := Decode([]byte(doc))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", doc, err, want)
		}
	}
	ok := `"format":"eddy.fleet-config.v1","version":1,"pipelines":[{"name":"p","sql":"x"}]`
	f(`{`+ok+`,"sinks":[]}`, `unknown field "sinks"`)
	f(`{"format":"eddy.fleet-config.v1","version":1,"pipelines":[{"name":"p","sql":"x","file":"a"}]}`, `unknown field "file"`)
	f(`{`+ok+`} {}`, "data after")
	f(`{"format":"eddy.fleet-config.v2","version":1,"pipelines":[{"name":"p","sql":"x"}]}`, "format")
	f(`{"format":"eddy.fleet-config.v1","version":0,"pipelines":[{"name":"p","sql":"x"}]}`, "versions start at 1")
	f(`{"format":"eddy.fleet-config.v1","version":1,"pipelines":[]}`, "no pipelines")
	f(`{"format":"eddy.fleet-config.v1","version":1,"pipelines":[{"name":"a/b","sql":"x"}]}`, "name")
	f(`{"format":"eddy.fleet-config.v1","version":1,"pipelines":[{"name":"p","sql":"x"},{"name":"p","sql":"y"}]}`, "used twice")
	f(`{"format":"eddy.fleet-config.v1","agent":"a+b","version":1,"pipelines":[{"name":"p","sql":"x"}]}`, "agent")
	f(`{"format":"eddy.fleet-config.v1","version":"1","pipelines":[{"name":"p","sql":"x"}]}`, "version")
	f(`[]`, "cannot unmarshal")
	f(strings.Repeat(" ", MaxSize+1), "more than")
}

func TestParsePublicKey(t *testing.T) {
	kr, _ := keys(t)
	for _, pub := range kr {
		for _, s := range []string{FormatPublicKey(pub), strings.TrimPrefix(FormatPublicKey(pub), "ed25519:")} {
			if got, err := ParsePublicKey(s); err != nil || !got.Equal(pub) {
				t.Errorf("%s: %v", s, err)
			}
		}
	}
	if _, err := ParsePublicKey("ed25519:AAAA"); !errors.Is(err, ErrKey) {
		t.Errorf("short key: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("nope")); !errors.Is(err, ErrKey) {
		t.Errorf("private key: %v", err)
	}
}

func TestTopics(t *testing.T) {
	tp := TopicsFor("", "gw-1")
	if tp.Config != "eddy/agents/gw-1/config" || tp.FleetConfig != "eddy/fleet/config" ||
		tp.Status != "eddy/agents/gw-1/status" || tp.Events != "eddy/agents/gw-1/events" {
		t.Fatalf("%+v", tp)
	}
	for _, p := range []string{"", "a/#", "/a", "a/"} {
		if ValidPrefix(p) == nil {
			t.Errorf("prefix %q accepted", p)
		}
	}
	if err := ValidPrefix("site/eddy"); err != nil {
		t.Error(err)
	}
}

// FuzzDecode: Decode never panics; what it accepts re-encodes to a
// document that decodes to the same canonical bytes, and verification of
// an accepted document never panics.
func FuzzDecode(f *testing.F) {
	_, privPEM, _ := GenerateKey()
	priv, _ := ParsePrivateKey(privPEM)
	kr := Keyring{}
	d := testDoc()
	f.Add(d.Encode())
	d.Sign(priv)
	f.Add(d.Encode())
	f.Add([]byte(`{"format":"eddy.fleet-config.v1","version":1,"pipelines":[{"name":"p","sql":"x"}],"signature":{"key":"","sig":""}}`))
	f.Add([]byte(`{"format":"eddy.fleet-config.v1","version":9223372036854775807,"pipelines":[{"name":"p","sql":"\u2028\ud800"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		_ = d.Verify(kr)
		again, err := Decode(d.Encode())
		if err != nil {
			t.Fatalf("re-encoded document does not decode: %v\n%s", err, d.Encode())
		}
		if !bytes.Equal(again.Canonical(), d.Canonical()) {
			t.Fatalf("canonical bytes changed:\n%s\n%s", d.Canonical(), again.Canonical())
		}
	})
}

func TestSyncAndAlertsMembers(t *testing.T) {
	d := testDoc()
	before := string(d.Canonical())
	if strings.Contains(before, "sync") || strings.Contains(before, "alerts") {
		t.Fatalf("absent members must stay out of the canonical bytes: %s", before)
	}
	rate := 50.0
	d.Sync = &Sync{ResultsTopic: "site.results", DrainRate: &rate, OutboxQuota: "64MiB", Policy: "backpressure"}
	d.Alerts = "rules: []\n"
	got, err := Decode(d.Encode())
	if err != nil || got.Digest() != d.Digest() {
		t.Fatalf("round trip: %v", err)
	}
	for _, s := range []*Sync{{Policy: "keep"}, {ResultsTopic: "a/b"}, {DrainRate: func() *float64 { f := -1.0; return &f }()}} {
		d.Sync = s
		if err := d.Check(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%+v: %v", s, err)
		}
	}
}
