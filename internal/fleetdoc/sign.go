package fleetdoc

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Keyring holds the public keys an agent trusts, by key id.
type Keyring map[string]ed25519.PublicKey

// NewKeyring parses public keys written as by FormatPublicKey.
func NewKeyring(keys []string) (Keyring, error) {
	kr := Keyring{}
	for i, s := range keys {
		pub, err := ParsePublicKey(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_keys[%d]: %w", i, err)
		}
		kr[KeyID(pub)] = pub
	}
	return kr, nil
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// FormatPublicKey writes a public key as "ed25519:" and standard base64.
func FormatPublicKey(pub ed25519.PublicKey) string {
	return "ed25519:" + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads "ed25519:BASE64" or bare BASE64 of the 32-byte key.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "ed25519:")
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: %q is not an Ed25519 public key (want ed25519: and the base64 of 32 bytes, as eddy config keygen prints)", ErrKey, s)
	}
	return ed25519.PublicKey(b), nil
}

// GenerateKey returns a new key pair; the private key as PKCS#8 PEM.
func GenerateKey() (pub ed25519.PublicKey, privPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return pub, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PKCS#8 PEM Ed25519 private key.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: no PEM PRIVATE KEY block (use a key written by eddy config keygen)", ErrKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: not an Ed25519 key", ErrKey)
	}
	return priv, nil
}

// Sign signs d with priv, replacing any signature.
func (d *Document) Sign(priv ed25519.PrivateKey) {
	pub := priv.Public().(ed25519.PublicKey)
	sig := ed25519.Sign(priv, d.SigningBytes())
	d.Signature = &Signature{Key: KeyID(pub), Sig: base64.StdEncoding.EncodeToString(sig)}
}

// Verify checks d's signature against the trusted keys.
func (d *Document) Verify(keys Keyring) error {
	if d.Signature == nil || (d.Signature.Key == "" && d.Signature.Sig == "") {
		return fmt.Errorf("%w: sign it with eddy config sign --key KEY", ErrUnsigned)
	}
	pub, ok := keys[d.Signature.Key]
	if !ok {
		return fmt.Errorf("%w: key id %q; trusted: %s (add its public key to control.trusted_keys, or sign with a trusted key)",
			ErrUnknownKey, d.Signature.Key, strings.Join(keys.IDs(), ", "))
	}
	sig, err := base64.StdEncoding.DecodeString(d.Signature.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: the signature is not base64 of %d bytes", ErrBadSignature, ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, d.SigningBytes(), sig) {
		return fmt.Errorf("%w: the document was changed after signing, or signed by another key with id %s", ErrBadSignature, d.Signature.Key)
	}
	return nil
}

// IDs returns the key ids, sorted.
func (k Keyring) IDs() []string { return slices.Sorted(maps.Keys(k)) }
