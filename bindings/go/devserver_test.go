package pas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"
)

// Tests against pas-devserver (scripts/test-ffi.sh starts it and sets PAS_DEVSERVER_URL).

func devserver(t *testing.T) string {
	u := os.Getenv("PAS_DEVSERVER_URL")
	if u == "" {
		// Never a silent skip: these tests are part of the suite.
		t.Fatal("PAS_DEVSERVER_URL is not set: run scripts/test-ffi.sh, which starts pas-devserver")
	}
	return u
}

func control(t *testing.T, base, path, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(base+"/__control"+path, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return out
}

type oneSession struct {
	sv    int64
	hasSV bool
	ct    string
}

func (s *oneSession) FindSession(context.Context, string) (*Session, error) {
	return &Session{PpnumID: "7NT2EH13K2PRVXYNEH52Q93JF8", SV: s.sv, HasSV: s.hasSV}, nil
}
func (s *oneSession) RefreshCiphertext(context.Context, string) (string, bool, error) {
	return s.ct, true, nil
}
func (s *oneSession) PersistRefresh(_ context.Context, _ string, sv int64, rotated *string) error {
	s.sv, s.hasSV = sv, true
	if rotated != nil {
		s.ct = *rotated
	}
	return nil
}

func TestDevserverEndToEnd(t *testing.T) {
	base := devserver(t)
	ctx := context.Background()
	client, err := NewClient("pas-demo", "http://127.0.0.1:8765/cb", base, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	// Code flow: authorization request, login through the control API, exchange.
	req, err := client.AuthorizationRequest()
	if err != nil {
		t.Fatal(err)
	}
	challenge, _ := CodeChallengeS256(req.CodeVerifier)
	login := control(t, base, "/login", `{"account":"alice","client_id":"pas-demo","redirect_uri":"http://127.0.0.1:8765/cb","state":"`+req.State+`","code_challenge":"`+challenge+`"}`)
	tokens, err := client.ExchangeCode(ctx, login["code"].(string), req.CodeVerifier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ExchangeCode(ctx, login["code"].(string), req.CodeVerifier); !errors.Is(err, ErrPASRejected) {
		t.Fatalf("replayed code: %v", err)
	} else {
		var pe *Error
		if errors.As(err, &pe); pe.HTTPStatus != 400 || pe.OAuthError != "invalid_grant" {
			t.Fatalf("%+v", pe)
		}
	}

	// Verify through the JWKS URL (blocking fetch), shared from many goroutines.
	v, err := NewVerifier(base, "pas-demo", VerifierOptions{JWKSURL: base + "/.well-known/jwks.json", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	claims, err := v.Verify(ctx, tokens.AccessToken)
	if err != nil || claims.Subject != "7NT2EH13K2PRVXYNEH52Q93JF8" || !claims.HasSV || !claims.HasScope("openid") {
		t.Fatalf("%+v %v", claims, err)
	}
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			_, err := v.VerifyCached(tokens.AccessToken)
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}

	// Session validation against the real PAS: refresh, then a break-glass bump, then revoke.
	cipher, _ := NewCipher(GenerateKey())
	defer cipher.Close()
	// (the replayed code above revoked that family: PAS's reuse detection) so mint a fresh one.
	fresh := control(t, base, "/tokens", `{"account":"alice"}`)
	ct, _ := cipher.Encrypt(fresh["refresh_token"].(string))
	validator, err := NewValidator(client, cipher)
	if err != nil {
		t.Fatal(err)
	}
	defer validator.Close()
	store := &oneSession{ct: ct}
	r, err := validator.Validate(ctx, store, "sid-1")
	if err != nil || r.Decision != DecisionAuthenticated || !r.Refreshed || r.SV < 1 {
		t.Fatalf("%+v %v", r, err)
	}
	first := r.SV
	if r, _ = validator.Validate(ctx, store, "sid-1"); r.Refreshed {
		t.Fatal("second validation should be served by the cache")
	}
	control(t, base, "/accounts/alice/bump-sv", "")
	validator.ClearCache()
	store.hasSV = false
	if r, err = validator.Validate(ctx, store, "sid-1"); err != nil || r.SV != first+1 {
		t.Fatalf("after bump: %+v %v", r, err)
	}
	// PAS degraded: fail-closed for the session, fail-open for liveness.
	control(t, base, "/faults", `{"endpoint":"token","count":2,"fault":{"status":503,"retry_after":3}}`)
	validator.ClearCache()
	store.hasSV = false
	if r, _ = validator.Validate(ctx, store, "sid-1"); r.Decision != DecisionExpired || r.Cause != CausePASUnavailable {
		t.Fatalf("503: %+v", r)
	}
	if l, err := validator.LivenessRefresh(ctx, store.ct); err != nil || l.Outcome != LivenessTransient || l.RetryAfter != 3*time.Second {
		t.Fatalf("liveness 503: %+v %v", l, err)
	}
	control(t, base, "/accounts/alice/revoke", "")
	if r, _ = validator.Validate(ctx, store, "sid-1"); r.Decision != DecisionExpired || r.Cause != CausePASRejected {
		t.Fatalf("revoked: %+v", r)
	}
	if l, err := client.LivenessRefresh(ctx, cipher, store.ct); err != nil || l.Outcome != LivenessRevoked || l.Cause != "pas_rejected" {
		t.Fatalf("liveness revoked: %+v %v", l, err)
	}

	// Context: a cancelled context is honoured before any network call.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := client.Refresh(cctx, "rt"); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// A request that outlives its deadline returns the context error (the token endpoint sleeps).
	control(t, base, "/faults", `{"endpoint":"token","fault":{"delay_ms":1500}}`)
	dctx, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if _, err := client.Refresh(dctx, "rt"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // let the abandoned call finish before the server stops
}
