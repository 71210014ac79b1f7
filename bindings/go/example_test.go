package pas_test

import (
	"context"
	"fmt"
	"strings"

	"example.invalid/pas"
)

func ExampleCodeChallengeS256() {
	challenge, err := pas.CodeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	fmt.Println(challenge, err)
	// Output: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM <nil>
}

func ExampleCipher() {
	cipher, _ := pas.NewCipher(pas.GenerateKey())
	defer cipher.Close()
	stored, _ := cipher.Encrypt("refresh-token")
	plain, _ := cipher.Decrypt(stored)
	fmt.Println(plain)
	// Output: refresh-token
}

func ExampleClient_AuthorizationRequest() {
	client, _ := pas.NewClient("my-app", "https://app.example/callback", "https://accounts.example", 0)
	defer client.Close()
	req, _ := client.AuthorizationRequest()
	fmt.Println(strings.HasPrefix(req.URL, "https://accounts.example/oauth/authorize?response_type=code"), len(req.State))
	// Output: true 22
}

// mapStore is the smallest Store: one session held in memory.
type mapStore struct {
	sv         int64
	ciphertext string
}

func (s *mapStore) FindSession(context.Context, string) (*pas.Session, error) {
	return &pas.Session{PpnumID: "01HZX5K3M8Q4N7R2T6V9W0Y1Z2", SV: s.sv, HasSV: true}, nil
}
func (s *mapStore) RefreshCiphertext(context.Context, string) (string, bool, error) {
	return s.ciphertext, true, nil
}
func (s *mapStore) PersistRefresh(_ context.Context, _ string, sv int64, rotated *string) error {
	s.sv = sv
	if rotated != nil {
		s.ciphertext = *rotated
	}
	return nil
}

func ExampleValidator_Validate() {
	cipher, _ := pas.NewCipher(pas.GenerateKey())
	ct, _ := cipher.Encrypt("rt-1")
	scripted := pas.NewTestingPAS() // production code uses pas.NewValidator(client, cipher)
	_ = scripted.RefreshOK(`{"sub":"01HZX5K3M8Q4N7R2T6V9W0Y1Z2","sv":4}`, nil)
	validator := pas.NewTestingValidator(scripted, cipher)
	defer validator.Close()

	result, err := validator.Validate(context.Background(), &mapStore{sv: 3, ciphertext: ct}, "session-1")
	fmt.Println(result.Decision, result.SV, result.Refreshed, err)
	// Output: authenticated 4 true <nil>
}
