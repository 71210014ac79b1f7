package pas

// The Go conformance runner (issue 7): every shared vector file through the public Go API.
//
// It reads every *.json in PAS_VECTORS_DIR (default ../../tests/vectors), dispatches on the
// file's "file" member, computes each row's actual value with the shape of its "expect",
// compares the two as JSON values, prints the README's summary lines and writes
// PAS_CONFORMANCE_OUT (default ../../target/conformance/go.json). Any failed row, unreadable
// file, unknown schema or unknown file fails the test. Standalone:
//
//	PAS_VECTORS_DIR=... PAS_CONFORMANCE_OUT=... go test -count=1 -run '^TestVectors$' -v .

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

const vectorsSchema = "pas-vectors/1"

// obj is a decoded JSON object (numbers kept as json.Number).
type obj = map[string]any

// rowFunc computes the actual value of one row; doc is the whole file.
type rowFunc func(doc obj, row obj) any

var vectorHandlers = map[string]rowFunc{
	"pkce":     vecPKCE,
	"cipher":   vecCipher,
	"jwt":      vecJWT,
	"session":  vecSession,
	"liveness": vecLiveness,
	"errors":   vecErrors,
}

type fileResult struct {
	Passed int            `json:"passed"`
	Failed int            `json:"failed"`
	Rows   map[string]any `json:"rows"`
	Error  string         `json:"error,omitempty"`
}

func TestVectors(t *testing.T) {
	dir := os.Getenv("PAS_VECTORS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "tests", "vectors")
	}
	outPath := os.Getenv("PAS_CONFORMANCE_OUT")
	if outPath == "" {
		outPath = filepath.Join("..", "..", "target", "conformance", "go.json")
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("pas vectors [go]: no *.json file in %s (%v)", dir, err)
	}
	sort.Strings(names)
	files := map[string]*fileResult{}
	rows, passed, failed := 0, 0, 0
	for _, path := range names {
		name := filepath.Base(path)
		res := runVectorFile(t, path, name)
		files[name] = res
		rows += res.Passed + res.Failed
		passed += res.Passed
		failed += res.Failed
	}
	out, err := json.MarshalIndent(map[string]any{"language": "go", "files": files}, "", " ")
	if err == nil {
		err = os.MkdirAll(filepath.Dir(outPath), 0o755)
	}
	if err == nil {
		err = os.WriteFile(outPath, append(out, '\n'), 0o644)
	}
	if err != nil {
		t.Errorf("pas vectors [go]: cannot write %s: %v", outPath, err)
	}
	fmt.Printf("pas vectors [go]: %d rows in %d files, %d passed, %d failed\n", rows, len(names), passed, failed)
	if failed > 0 {
		t.Errorf("pas vectors [go]: %d rows failed", failed)
	}
}

// runVectorFile runs one file as a subtest; a file that cannot be used counts as one failure.
func runVectorFile(t *testing.T, path, name string) *fileResult {
	res := &fileResult{Rows: map[string]any{}}
	t.Run(name, func(t *testing.T) {
		doc, err := decodeJSONFile(path)
		var run rowFunc
		switch {
		case err != nil:
			res.Error = fmt.Sprintf("cannot be read: %v", err)
		case doc["schema"] != vectorsSchema:
			res.Error = fmt.Sprintf("unknown schema `%v` (this runner reads %s)", doc["schema"], vectorsSchema)
		default:
			file, _ := doc["file"].(string)
			if run = vectorHandlers[file]; run == nil {
				res.Error = fmt.Sprintf("unknown vector file kind `%s`", file)
			}
		}
		cases, ok := doc["cases"].([]any)
		if run != nil && !ok {
			res.Error, run = "`cases` is not an array", nil
		}
		if run == nil {
			res.Failed = 1
			fmt.Printf("FAIL %s: %s\n", name, res.Error)
			fmt.Printf("pas vectors [go] %s: 0 passed, 1 failed\n", name)
			t.Error(res.Error)
			return
		}
		for i, c := range cases {
			row, _ := c.(obj)
			id, _ := row["id"].(string)
			if id == "" {
				id = fmt.Sprintf("#%d", i)
			}
			actual := normalize(run(doc, row))
			expect, hasExpect := row["expect"]
			res.Rows[id] = actual
			if hasExpect && reflect.DeepEqual(actual, expect) {
				res.Passed++
				continue
			}
			res.Failed++
			line := fmt.Sprintf("FAIL %s %s: expected %s got %s", name, id, compact(expect), compact(actual))
			fmt.Println(line)
			t.Error(line)
		}
		fmt.Printf("pas vectors [go] %s: %d passed, %d failed\n", name, res.Passed, res.Failed)
	})
	return res
}

func decodeJSONFile(path string) (obj, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v obj
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// normalize round-trips a value through JSON so that it compares with decoded vectors.
func normalize(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"runner_error": err.Error()}
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return map[string]any{"runner_error": err.Error()}
	}
	return out
}

func compact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimRight(buf.String(), "\n")
}

func runnerError(format string, args ...any) any {
	return obj{"runner_error": fmt.Sprintf(format, args...)}
}

// codeOf is the stable name of a pas error (every failure the API returns is an *Error).
func codeOf(err error) any {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Name
	}
	return "not_a_pas_error: " + err.Error()
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func intOf(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// cipherFromKeys builds a key ring from a JSON list of base64 keys (first = primary).
func cipherFromKeys(v any) (*Cipher, error, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, nil, false
	}
	keys := make([]string, len(list))
	for i, k := range list {
		if keys[i], ok = k.(string); !ok {
			return nil, nil, false
		}
	}
	c, err := NewCipher(keys[0], keys[1:]...)
	return c, err, true
}

// scriptAnswer scripts one PAS answer object of session.json / liveness.json.
func scriptAnswer(pas *TestingPAS, answer any) bool {
	a, _ := answer.(obj)
	if v, ok := a["refresh_ok"].(obj); ok {
		at, ok := v["access_token"].(string)
		var rt *string
		if s, isStr := v["refresh_token"].(string); isStr {
			rt = &s
		} else if v["refresh_token"] != nil {
			return false
		}
		if expected, isStr := v["expect_refresh_token"].(string); isStr {
			return ok && pas.RefreshOKExpecting(expected, at, rt) == nil
		} else if v["expect_refresh_token"] != nil {
			return false
		}
		return ok && pas.RefreshOKToken(at, rt) == nil
	}
	if v, ok := a["reject"].(obj); ok {
		status, ok := intOf(v["status"])
		pas.RefreshFails(int(status), 0)
		return ok
	}
	if v, ok := a["server_error"].(obj); ok {
		status, ok := intOf(v["status"])
		retry, _ := intOf(v["retry_after_s"])
		pas.RefreshFails(int(status), time.Duration(retry)*time.Second)
		return ok
	}
	if v, ok := a["transport"].(string); ok {
		kinds := map[string]*Error{"pas_transport": ErrPASTransport, "pas_timeout": ErrPASTimeout, "pas_bad_response": ErrPASBadResponse}
		kind := kinds[v]
		return kind != nil && pas.RefreshTransport(kind) == nil
	}
	return false
}

// ---- pkce.json ------------------------------------------------------------------------------

func vecPKCE(_ obj, row obj) any {
	verifier, ok := row["verifier"].(string)
	if !ok {
		return runnerError("no verifier")
	}
	challenge, err := CodeChallengeS256(verifier)
	if err != nil {
		return obj{"challenge": nil, "error": codeOf(err)}
	}
	return obj{"challenge": challenge, "error": nil}
}

// ---- cipher.json ----------------------------------------------------------------------------

func vecCipher(_ obj, row obj) any {
	ct, ok := row["ciphertext"].(string)
	if !ok {
		return runnerError("no ciphertext")
	}
	c, err, ok := cipherFromKeys(row["keys"])
	if !ok {
		return runnerError("keys is not a non-empty list of strings")
	}
	if err != nil {
		return obj{"plaintext": nil, "error": codeOf(err)}
	}
	defer c.Close()
	pt, err := c.Decrypt(ct)
	if err != nil {
		return obj{"plaintext": nil, "error": codeOf(err)}
	}
	return obj{"plaintext": pt, "error": nil}
}

// ---- jwt.json -------------------------------------------------------------------------------

func vecJWT(doc obj, row obj) any {
	name, _ := row["verifier"].(string)
	verifiers, _ := doc["verifiers"].(obj)
	spec, ok := verifiers[name].(obj)
	if !ok {
		return runnerError("unknown verifier %q", name)
	}
	token, tokOK := row["token"].(string)
	now, nowOK := intOf(row["now"])
	if !tokOK || !nowOK {
		return runnerError("no token or now")
	}
	issuer, _ := spec["issuer"].(string)
	audience, _ := spec["audience"].(string)
	jwks, _ := spec["jwks"].(string)
	profile, _ := spec["profile"].(string)
	leeway, leewayOK := intOf(spec["leeway_s"])
	names, algsOK := spec["algorithms"].([]any)
	if !leewayOK || !algsOK || (profile != "rfc9068" && profile != "pas") {
		return runnerError("verifier %q is not usable", name)
	}
	byName := map[string]Algorithm{"EdDSA": EdDSA, "ES256": ES256, "RS256": RS256, "PS256": PS256}
	algs := make([]Algorithm, 0, len(names))
	for _, n := range names {
		// A name the library does not know (HS256, none) cannot be allowed: it is left out, and an
		// allow-list left empty is the library's ErrInvalidConfig.
		s, _ := n.(string)
		if alg, ok := byName[s]; ok {
			algs = append(algs, alg)
		}
	}
	opts := VerifierOptions{JWKSJSON: jwks, Algorithms: algs, PASProfile: profile == "pas"}
	if leeway == 0 {
		opts.Leeway = NoLeeway
	} else {
		opts.Leeway = time.Duration(leeway) * time.Second
	}
	v, err := NewVerifier(issuer, audience, opts)
	if err != nil {
		return obj{"valid": nil, "error": codeOf(err)}
	}
	defer v.Close()
	c, err := v.VerifyCachedAt(token, time.Unix(now, 0))
	if err != nil {
		return obj{"valid": nil, "error": codeOf(err)}
	}
	var sv any
	if c.HasSV {
		sv = c.SV
	}
	return obj{"valid": obj{"sub": c.Subject, "sv": sv, "client_id": c.ClientID, "jti": c.JWTID,
		"exp": c.ExpiresAt.Unix(), "alg": c.Algorithm.String(), "kid": strOrNil(c.KeyID)}, "error": nil}
}

// ---- liveness.json --------------------------------------------------------------------------

func vecLiveness(_ obj, row obj) any {
	ct, ok := row["ciphertext"].(string)
	answers, ansOK := row["pas"].([]any)
	if !ok || !ansOK {
		return runnerError("no ciphertext or pas")
	}
	var cipher *Cipher
	if row["cipher_keys"] != nil {
		c, err, ok := cipherFromKeys(row["cipher_keys"])
		if !ok || err != nil {
			return runnerError("cipher_keys do not make a key ring")
		}
		defer c.Close()
		cipher = c
	}
	pas := NewTestingPAS()
	for i, a := range answers {
		if !scriptAnswer(pas, a) {
			return runnerError("pas answer %d is not scriptable", i)
		}
	}
	v := NewTestingValidator(pas, cipher)
	defer v.Close()
	before, _ := pas.Calls()
	l, err := v.LivenessRefresh(context.Background(), ct)
	if err != nil {
		return runnerError("liveness refresh failed: %v", err)
	}
	after, _ := pas.Calls()
	outcome := map[LivenessOutcome]string{LivenessFresh: "fresh", LivenessRevoked: "revoked", LivenessTransient: "transient"}[l.Outcome]
	var status, retry any
	if l.HTTPStatus != 0 {
		status = l.HTTPStatus
	}
	if l.RetryAfter > 0 {
		retry = int64(l.RetryAfter / time.Second)
	}
	return obj{"outcome": outcome, "cause": strOrNil(l.Cause), "status": status, "retry_after_s": retry,
		"rotated": l.RotatedCiphertext != "", "keeps_session": l.Outcome != LivenessRevoked, "pas_calls": after - before}
}

// ---- errors.json ----------------------------------------------------------------------------

func vecErrors(doc obj, row obj) any {
	id, _ := row["id"].(string)
	if id == "__extra_codes__" {
		listed := map[string]bool{}
		cases, _ := doc["cases"].([]any)
		for _, c := range cases {
			r, _ := c.(obj)
			if other, ok := r["id"].(string); ok {
				listed[other] = true
			}
		}
		extra := []string{}
		for _, code := range Codes() {
			if !listed[code.Name] {
				extra = append(extra, code.Name)
			}
		}
		return obj{"codes": extra}
	}
	for _, code := range Codes() {
		if code.Name == id {
			return obj{"number": uint32(code.Code)}
		}
	}
	return obj{"number": nil}
}

// ---- session.json ---------------------------------------------------------------------------

// vecWorld is one row's world: a Go store and sv cache over plain maps, logging every effect in
// order; the PAS calls (made inside Validate, between two store/cache calls) are logged from the
// scripted PAS's call counter each time the store or cache is entered and when Validate returns.
type vecWorld struct {
	pas      *TestingPAS
	sessions map[string]*Session
	cts      map[string]*string
	cache    map[string]int64
	faults   struct {
		failFind                              int64
		failCT, failPersist, vanish, failLoad bool
	}
	finds   int64
	initial []string // the ids of given.sessions
	log     []string
	seen    int
}

var errInjected = errors.New("injected store failure")

func (w *vecWorld) effect(e string) {
	w.syncPAS()
	w.log = append(w.log, e)
}

func (w *vecWorld) syncPAS() {
	calls, _ := w.pas.Calls()
	for ; w.seen < calls; w.seen++ {
		w.log = append(w.log, "refresh_at_pas")
	}
}

func (w *vecWorld) FindSession(_ context.Context, id string) (*Session, error) {
	w.effect("find_session")
	w.finds++
	if w.faults.failFind == w.finds {
		return nil, errInjected
	}
	if s, ok := w.sessions[id]; ok {
		cp := *s
		return &cp, nil
	}
	return nil, nil
}

func (w *vecWorld) RefreshCiphertext(_ context.Context, id string) (string, bool, error) {
	w.effect("fetch_ciphertext")
	if w.faults.failCT {
		return "", false, errInjected
	}
	if _, ok := w.sessions[id]; ok && w.cts[id] != nil {
		return *w.cts[id], true, nil
	}
	return "", false, nil
}

func (w *vecWorld) PersistRefresh(_ context.Context, id string, sv int64, rotated *string) error {
	if rotated != nil {
		w.effect(fmt.Sprintf("persist sv=%d rotated", sv))
	} else {
		w.effect(fmt.Sprintf("persist sv=%d", sv))
	}
	if w.faults.failPersist {
		return errInjected
	}
	if s, ok := w.sessions[id]; ok {
		s.SV, s.HasSV = sv, true
		if rotated != nil {
			r := *rotated
			w.cts[id] = &r
		}
		if w.faults.vanish {
			delete(w.sessions, id)
		}
	}
	return nil
}

// vecCache is the world's SVCache (a separate type: Store and SVCache both have a Store-ish shape).
type vecCache struct{ w *vecWorld }

func (c vecCache) Load(_ context.Context, key string) (int64, bool, error) {
	c.w.effect("load_cache")
	if c.w.faults.failLoad {
		return 0, false, errInjected
	}
	sv, ok := c.w.cache[key]
	return sv, ok, nil
}

func (c vecCache) Store(_ context.Context, key string, sv int64, ttl time.Duration) error {
	c.w.effect(fmt.Sprintf("record_cache sv=%d ttl=%d", sv, int64(ttl/time.Second)))
	c.w.cache[key] = sv
	return nil
}

func vecSession(_ obj, row obj) any {
	given, ok := row["given"].(obj)
	steps, stepsOK := row["steps"].([]any)
	sessions, sessOK := given["sessions"].(obj)
	if !ok || !stepsOK || !sessOK {
		return runnerError("no given, steps or given.sessions")
	}
	w := &vecWorld{pas: NewTestingPAS(), sessions: map[string]*Session{}, cts: map[string]*string{}, cache: map[string]int64{}}
	for id, s := range sessions {
		sm, _ := s.(obj)
		ppnum, ok := sm["ppnum_id"].(string)
		if !ok {
			return runnerError("session %q has no ppnum_id", id)
		}
		sv, hasSV := intOf(sm["sv"])
		w.sessions[id] = &Session{PpnumID: ppnum, SV: sv, HasSV: hasSV}
		if ct, ok := sm["ciphertext"].(string); ok {
			w.cts[id] = &ct
		}
	}
	if cache, ok := given["cache"].(obj); ok {
		for k, v := range cache {
			if sv, ok := intOf(v); ok {
				w.cache[k] = sv
			}
		}
	}
	faults, _ := given["store_faults"].(obj)
	w.faults.failFind, _ = intOf(faults["fail_find_call"])
	w.faults.failCT = faults["fail_ciphertext"] == true
	w.faults.failPersist = faults["fail_persist"] == true
	w.faults.vanish = faults["vanish_after_persist"] == true
	w.faults.failLoad = given["cache_fails_load"] == true
	var cipher *Cipher
	if given["cipher_keys"] != nil {
		c, err, ok := cipherFromKeys(given["cipher_keys"])
		if !ok || err != nil {
			return runnerError("cipher_keys do not make a key ring")
		}
		defer c.Close()
		cipher = c
	}
	v := NewTestingValidator(w.pas, cipher, WithSVCache(vecCache{w}))
	defer v.Close()

	expect, _ := row["expect"].(obj)
	expectSteps, _ := expect["steps"].([]any)
	out := make([]any, 0, len(steps))
	for i, s := range steps {
		step, _ := s.(obj)
		var expectCache obj
		if i < len(expectSteps) {
			e, _ := expectSteps[i].(obj)
			expectCache, _ = e["cache"].(obj)
		}
		out = append(out, w.step(v, step, i, expectCache))
	}
	return obj{"steps": out}
}

func (w *vecWorld) step(v *Validator, step obj, i int, expectCache obj) any {
	if step["clear_cache_before"] == true {
		w.cache = map[string]int64{}
	}
	answers, _ := step["pas"].([]any)
	for j, a := range answers {
		if !scriptAnswer(w.pas, a) {
			return runnerError("step %d: pas answer %d is not scriptable", i, j)
		}
	}
	sid, isStr := step["session_id"].(string)
	if !isStr && step["session_id"] != nil {
		return runnerError("step %d: session_id is not a string", i)
	}
	w.syncPAS()
	w.log = []string{}
	before := w.seen
	res, err := v.Validate(context.Background(), w, sid)
	w.syncPAS()

	var decision, cause, sv, refreshed any
	switch {
	case err != nil:
		decision, cause = "error", codeOf(err) // ErrStoreFailed: the store failed on the lookup
	case res.Decision == DecisionAuthenticated:
		decision, sv, refreshed = "authenticated", res.SV, res.Refreshed
	case res.Decision == DecisionNoCookie:
		decision = "no_cookie"
	default:
		decision, cause = "expired", res.Cause.String()
	}
	cacheOut := obj{}
	for k := range expectCache {
		if v, ok := w.cache[k]; ok {
			cacheOut[k] = v
		} else {
			cacheOut[k] = nil
		}
	}
	var sessionSV any
	if s, ok := w.sessions[sid]; ok && isStr && s.HasSV {
		sessionSV = s.SV
	}
	return obj{"decision": decision, "cause": cause, "sv": sv, "refreshed": refreshed, "effects": w.log,
		"pas_calls": w.seen - before, "cache": cacheOut, "session_sv": sessionSV}
}
