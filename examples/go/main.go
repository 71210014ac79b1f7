// Command pas-example verifies an access token and validates a session against PAS.
//
//	go run . http://127.0.0.1:PORT   # a pas-devserver base URL
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"example.invalid/pas"
)

// store holds one session in memory; a real service uses its database.
type store struct {
	sv         int64
	hasSV      bool
	ciphertext string
}

func (s *store) FindSession(context.Context, string) (*pas.Session, error) {
	return &pas.Session{PpnumID: "7NT2EH13K2PRVXYNEH52Q93JF8", SV: s.sv, HasSV: s.hasSV}, nil
}
func (s *store) RefreshCiphertext(context.Context, string) (string, bool, error) {
	return s.ciphertext, true, nil
}
func (s *store) PersistRefresh(_ context.Context, _ string, sv int64, rotated *string) error {
	s.sv, s.hasSV = sv, true
	if rotated != nil {
		s.ciphertext = *rotated
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: pas-example PAS_BASE_URL")
	}
	base := os.Args[1]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	client, err := pas.NewClient("pas-demo", "http://127.0.0.1:8765/cb", base, 5*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	req, _ := client.AuthorizationRequest()
	fmt.Println("login at:", req.URL[:strings.Index(req.URL, "?")])

	// Dev-only: ask pas-devserver for tokens instead of a browser login.
	resp, err := http.Post(base+"/__control/tokens", "application/json", strings.NewReader(`{"account":"alice"}`))
	if err != nil {
		log.Fatal(err)
	}
	var tokens struct{ AccessToken, RefreshToken string }
	tokens.AccessToken, tokens.RefreshToken = decode(resp)

	verifier, err := pas.NewVerifier(base, "pas-demo", pas.VerifierOptions{JWKSURL: base + "/.well-known/jwks.json"})
	if err != nil {
		log.Fatal(err)
	}
	defer verifier.Close()
	claims, err := verifier.Verify(ctx, tokens.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", claims.Subject, "sv:", claims.SV)

	cipher, _ := pas.NewCipher(pas.GenerateKey())
	defer cipher.Close()
	ct, _ := cipher.Encrypt(tokens.RefreshToken)
	validator, _ := pas.NewValidator(client, cipher)
	defer validator.Close()
	result, err := validator.Validate(ctx, &store{ciphertext: ct}, "session-1")
	fmt.Println("session:", result.Decision, "sv:", result.SV, "err:", err)
}

func decode(resp *http.Response) (string, string) {
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		log.Fatal(err)
	}
	return body.AccessToken, body.RefreshToken
}
