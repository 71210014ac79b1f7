// Command demo is the demo story of `make demo` in Go (the same story as examples/rust-demo, C,
// Python and Node): login with PKCE without a browser, refresh token encrypted into this
// program's own store, session validation (PAS refresh, then the sv cache), break-glass,
// revocation, PAS answering 503 on the fail-closed sv path and on the fail-open liveness path.
// One JSON line per step on stdout (format: examples/rust-demo/src/outcome.rs); exits 1 on any
// plumbing error.
//
//	go run ./demo http://127.0.0.1:PORT [http://127.0.0.1:PORT/__control]   # a running pas-devserver
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"example.invalid/pas"
)

const (
	clientID    = "pas-demo"
	redirectURI = "http://127.0.0.1:8765/callback"
)

// session is one row of this program's session store.
type session struct {
	ppnumID    string
	sv         int64
	hasSV      bool
	ciphertext string
}

// store is this program's own session store, in memory (a real service uses its database).
type store map[string]*session

func (s store) FindSession(_ context.Context, id string) (*pas.Session, error) {
	row, ok := s[id]
	if !ok {
		return nil, nil
	}
	return &pas.Session{PpnumID: row.ppnumID, SV: row.sv, HasSV: row.hasSV}, nil
}

func (s store) RefreshCiphertext(_ context.Context, id string) (string, bool, error) {
	row, ok := s[id]
	if !ok || row.ciphertext == "" {
		return "", false, nil
	}
	return row.ciphertext, true, nil
}

func (s store) PersistRefresh(_ context.Context, id string, sv int64, rotated *string) error {
	row, ok := s[id]
	if !ok {
		return fmt.Errorf("session %s is gone", id)
	}
	row.sv, row.hasSV = sv, true
	if rotated != nil {
		row.ciphertext = *rotated
	}
	return nil
}

// line is one step's output; nil pointers print as null.
type line struct {
	Step         string  `json:"step"`
	Decision     string  `json:"decision"`
	Cause        *string `json:"cause"`
	SV           *int64  `json:"sv"`
	Refreshed    *bool   `json:"refreshed"`
	RetryAfterMS *int64  `json:"retry_after_ms"`
	PASCalls     int64   `json:"pas_calls"`
}

type demo struct {
	ctx       context.Context
	control   string
	http      *http.Client
	client    *pas.Client
	cipher    *pas.Cipher
	verifier  *pas.Verifier
	validator *pas.Validator
	store     store
}

func ptr[T any](v T) *T { return &v }

func emit(l line) {
	b, err := json.Marshal(l)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
}

// call makes a control-API request and decodes its JSON answer (fails unless 2xx).
func (d *demo) call(method, path, body string) map[string]any {
	req, err := http.NewRequestWithContext(d.ctx, method, d.control+"/"+path, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		log.Fatalf("control call %s answered %d", path, resp.StatusCode)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		log.Fatal(err)
	}
	return out
}

// tokenCalls is the number of calls the token endpoint has received so far.
func (d *demo) tokenCalls() int64 {
	n, ok := d.call(http.MethodGet, "counters", "")["token"].(float64)
	if !ok {
		log.Fatal("no token counter")
	}
	return int64(n)
}

// login: authorization request, login as account without a browser (login_hint), code exchange,
// access token verified; the refresh token goes into the store encrypted, with the token's sv.
func (d *demo) login(step, account, sessionID string) {
	before := d.tokenCalls()
	req, err := d.client.AuthorizationRequest()
	if err != nil {
		log.Fatal(err)
	}
	resp, err := d.http.Get(req.URL + "&login_hint=" + url.QueryEscape(account))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		log.Fatalf("the login shortcut did not redirect (%d)", resp.StatusCode)
	}
	if callback.Query().Get("state") != req.State {
		log.Fatal("state mismatch on the callback")
	}
	tokens, err := d.client.ExchangeCode(d.ctx, callback.Query().Get("code"), req.CodeVerifier)
	if err != nil {
		log.Fatal(err)
	}
	claims, err := d.verifier.Verify(d.ctx, tokens.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "  %s: access token verified, sub %s sv %d\n", account, claims.Subject, claims.SV)
	if tokens.RefreshToken == "" {
		log.Fatal("no refresh token")
	}
	ct, err := d.cipher.Encrypt(tokens.RefreshToken)
	if err != nil {
		log.Fatal(err)
	}
	d.store[sessionID] = &session{ppnumID: claims.Subject, sv: claims.SV, hasSV: claims.HasSV, ciphertext: ct}
	l := line{Step: step, Decision: "logged_in", PASCalls: d.tokenCalls() - before}
	if claims.HasSV {
		l.SV = ptr(claims.SV)
	}
	emit(l)
}

func (d *demo) validate(step, sessionID string) {
	before := d.tokenCalls()
	res, err := d.validator.Validate(d.ctx, d.store, sessionID)
	if err != nil {
		log.Fatal(err)
	}
	l := line{Step: step, Decision: res.Decision.String(), PASCalls: d.tokenCalls() - before}
	switch res.Decision {
	case pas.DecisionAuthenticated:
		l.SV, l.Refreshed = ptr(res.SV), ptr(res.Refreshed)
	case pas.DecisionExpired:
		l.Cause = ptr(res.Cause.String())
	}
	emit(l)
}

func (d *demo) liveness(step, sessionID string) {
	row, ok := d.store[sessionID]
	if !ok {
		log.Fatal("the session has no ciphertext")
	}
	before := d.tokenCalls()
	res, err := d.validator.LivenessRefresh(d.ctx, row.ciphertext)
	if err != nil {
		log.Fatal(err)
	}
	l := line{Step: step, PASCalls: d.tokenCalls() - before}
	switch res.Outcome {
	case pas.LivenessFresh:
		l.Decision = "fresh"
	case pas.LivenessRevoked:
		l.Decision = "revoked"
	default:
		l.Decision = "transient"
		if res.RetryAfter > 0 {
			l.RetryAfterMS = ptr(res.RetryAfter.Milliseconds())
		}
	}
	if res.Cause != "" {
		l.Cause = ptr(res.Cause)
	}
	emit(l)
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("demo (Go): ")
	base, control := os.Getenv("PAS_DEVSERVER_URL"), os.Getenv("PAS_DEVSERVER_CONTROL_URL")
	if len(os.Args) > 1 {
		base = os.Args[1]
	}
	if len(os.Args) > 2 {
		control = os.Args[2]
	}
	if base == "" {
		fmt.Fprintln(os.Stderr, "usage: demo PAS_DEVSERVER_URL [CONTROL_URL]")
		os.Exit(2)
	}
	if control == "" {
		control = strings.TrimRight(base, "/") + "/__control"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	client, err := pas.NewClient(clientID, redirectURI, base, 2*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	cipher, err := pas.NewCipher(pas.GenerateKey())
	if err != nil {
		log.Fatal(err)
	}
	defer cipher.Close()
	verifier, err := pas.NewVerifier(base, clientID,
		pas.VerifierOptions{JWKSURL: base + "/.well-known/jwks.json", PASProfile: true})
	if err != nil {
		log.Fatal(err)
	}
	defer verifier.Close()
	validator, err := pas.NewValidator(client, cipher)
	if err != nil {
		log.Fatal(err)
	}
	defer validator.Close()
	noRedirect := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	d := &demo{ctx: ctx, control: strings.TrimRight(control, "/"), http: noRedirect, client: client,
		cipher: cipher, verifier: verifier, validator: validator, store: store{}}

	fmt.Fprintln(os.Stderr, "1. alice logs in (PKCE S256, no browser) and uses the site")
	d.login("login", "alice", "session-a")
	d.validate("validate", "session-a")
	d.validate("validate_cached", "session-a")

	fmt.Fprintln(os.Stderr, "2. break-glass at PAS: alice's sv is bumped; the cache entry is cleared")
	d.call(http.MethodPost, "accounts/alice/bump-sv", "{}")
	validator.ClearCache()
	d.validate("break_glass", "session-a")

	fmt.Fprintln(os.Stderr, "3. PAS revokes alice's refresh tokens")
	d.call(http.MethodPost, "accounts/alice/revoke", "{}")
	validator.ClearCache()
	d.validate("revoked", "session-a")

	fmt.Fprintln(os.Stderr, "4. bob logs in; then PAS answers 503 on every token call")
	d.login("login_bob", "bob", "session-b")
	d.call(http.MethodPost, "faults", `{"endpoint":"token","count":100,"fault":{"status":503,"retry_after":5}}`)
	d.validate("pas_503_sv_path", "session-b")
	d.liveness("pas_503_liveness", "session-b")

	fmt.Fprintln(os.Stderr, "5. requests without a session")
	d.validate("no_cookie", "")
	d.validate("unknown_session", "session-x")
}
