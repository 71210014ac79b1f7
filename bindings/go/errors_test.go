package pas

import (
	"errors"
	"testing"
	"time"
)

// The Go sentinels are exactly the library's statuses (numbers and names).
func TestSentinelsMatchTheLibrary(t *testing.T) {
	byCode := map[Status]*Error{}
	for _, s := range sentinels {
		if got := s.Code.String(); got != s.Name {
			t.Errorf("sentinel %d: name %q, library says %q", s.Code, s.Name, got)
		}
		byCode[s.Code] = s
	}
	for code := Status(1); code < 1000; code++ {
		if name := code.String(); name != "unknown" && byCode[code] == nil {
			t.Errorf("status %d (%s) has no Go sentinel", code, name)
		}
	}
	if Status(0).String() != "ok" || LibraryABIVersion() != ABIVersion {
		t.Fatal("version or ok name")
	}
}

func TestErrorsIsAndAs(t *testing.T) {
	a, _ := NewCipher(GenerateKey())
	b, _ := NewCipher(GenerateKey())
	defer a.Close()
	defer b.Close()
	ct, err := a.Encrypt("rt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Decrypt(ct)
	if !errors.Is(err, ErrDecryptFailed) || errors.Is(err, ErrKeyInvalid) {
		t.Fatalf("%v", err)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Name != "decrypt_failed" || pe.Code != 505 {
		t.Fatalf("%+v", pe)
	}
	if _, err := NewCipher("not base64!"); !errors.Is(err, ErrKeyInvalid) {
		t.Fatal(err)
	}
	if _, err := CodeChallengeS256("short"); !errors.Is(err, ErrInvalidVerifier) {
		t.Fatal(err)
	}
	if _, err := b.Decrypt("\xff"); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatal(err)
	}
	if _, err := NewClient("", "http://127.0.0.1/cb", "https://pas.example", 0); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
	if _, err := NewVerifier("i", "a", VerifierOptions{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
	if _, err := NewVerifier("i", "a", VerifierOptions{JWKSJSON: `{"keys":[]}`}); !errors.Is(err, ErrJWKSInvalid) {
		t.Fatal(err)
	}
}

func TestCipherRingAndPKCE(t *testing.T) {
	old, cur := GenerateKey(), GenerateKey()
	c1, _ := NewCipher(old)
	ct, _ := c1.Encrypt("rt-old")
	ring, err := NewCipher(cur, old)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := ring.Decrypt(ct); err != nil || pt != "rt-old" {
		t.Fatal(pt, err)
	}
	if len(NewCodeVerifier()) != 64 || len(NewState()) != 22 {
		t.Fatal("pkce sizes")
	}
}

func TestCodesAndAlgorithmNames(t *testing.T) {
	codes := Codes()
	if len(codes) != len(sentinels) || codes[0].Name != "invalid_argument" || codes[0].Code != 100 {
		t.Fatalf("%+v", codes[:1])
	}
	codes[0].Name = "changed" // a copy: the sentinels stay as they are
	if ErrInvalidArgument.Name != "invalid_argument" {
		t.Fatal("Codes leaked a sentinel")
	}
	for alg, name := range map[Algorithm]string{EdDSA: "EdDSA", ES256: "ES256", RS256: "RS256", PS256: "PS256", 0: "unknown"} {
		if alg.String() != name {
			t.Errorf("%d: %s", alg, alg.String())
		}
	}
	v, err := NewVerifier("i", "a", VerifierOptions{JWKSJSON: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`, Leeway: NoLeeway})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.VerifyCachedAt("a.b.c", time.Unix(0, 0)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatal(err)
	}
	if _, err := NewVerifier("i", "a", VerifierOptions{JWKSJSON: `{"keys":[]}`, Algorithms: []Algorithm{}}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}
