package pas

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	sid   = "session-1"
	ppnum = "01HZX5K3M8Q4N7R2T6V9W0Y1Z2"
	key   = "sv:" + ppnum
)

// memStore is a Go Store with injectable faults that logs its effects (mirror of
// pas_core::testing::MemoryStore).
type memStore struct {
	mu                                              sync.Mutex
	exists, hasSV                                   bool
	sv                                              int64
	ct                                              string
	hasCT                                           bool
	failFindCall, finds                             int
	failCiphertext, failPersist, vanishAfterPersist bool
	log                                             []string
}

func (s *memStore) add(e string) { s.log = append(s.log, e) }

func (s *memStore) FindSession(_ context.Context, id string) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add("find_session")
	s.finds++
	if s.finds == s.failFindCall {
		return nil, errors.New("db down")
	}
	if !s.exists || id != sid {
		return nil, nil
	}
	return &Session{PpnumID: ppnum, SV: s.sv, HasSV: s.hasSV}, nil
}

func (s *memStore) RefreshCiphertext(context.Context, string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add("fetch_ciphertext")
	if s.failCiphertext {
		return "", false, errors.New("db down")
	}
	return s.ct, s.hasCT, nil
}

func (s *memStore) PersistRefresh(_ context.Context, _ string, sv int64, rotated *string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := fmt.Sprintf("persist sv=%d", sv)
	if rotated != nil {
		e += " rotated"
	}
	s.add(e)
	if s.failPersist {
		return errors.New("db down")
	}
	s.sv, s.hasSV = sv, true
	if rotated != nil {
		s.ct = *rotated
	}
	if s.vanishAfterPersist {
		s.exists = false
	}
	return nil
}

// recCache is a Go SVCache that logs into the store's log.
type recCache struct {
	s        *memStore
	has      bool
	sv       int64
	failLoad bool
}

func (c *recCache) Load(_ context.Context, k string) (int64, bool, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.add("load_cache")
	if c.failLoad || k != key {
		return 0, false, errors.New("cache down")
	}
	return c.sv, c.has, nil
}

func (c *recCache) Store(_ context.Context, _ string, sv int64, ttl time.Duration) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.add(fmt.Sprintf("record_cache sv=%d ttl=%d", sv, int(ttl.Seconds())))
	c.has, c.sv = true, sv
	return nil
}

type world struct {
	t      *testing.T
	store  *memStore
	cache  *recCache
	pas    *TestingPAS
	cipher *Cipher
	v      *Validator
}

func newWorld(t *testing.T, hasSV bool, sv int64, withCipher bool) *world {
	t.Helper()
	cipher, err := NewCipher(GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	ct, err := cipher.Encrypt("rt-original")
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{exists: true, hasSV: hasSV, sv: sv, ct: ct, hasCT: true}
	cache := &recCache{s: store}
	pas := NewTestingPAS()
	var c *Cipher
	if withCipher {
		c = cipher
	}
	return &world{t: t, store: store, cache: cache, pas: pas, cipher: cipher, v: NewTestingValidator(pas, c, WithSVCache(cache))}
}

func (w *world) validate() Result {
	w.t.Helper()
	w.store.log = nil
	r, err := w.v.Validate(context.Background(), w.store, sid)
	if err != nil {
		w.t.Fatalf("validate: %v", err)
	}
	return r
}

func (w *world) refreshOK(sv string, rt *string) {
	if err := w.pas.RefreshOK(fmt.Sprintf(`{"sub":%q,"sv":%s}`, ppnum, sv), rt); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) effects() string { return strings.Join(w.store.log, ";") }

const prefix = "find_session;load_cache;fetch_ciphertext"

func expectExpired(t *testing.T, r Result, c Cause) {
	t.Helper()
	if r.Decision != DecisionExpired || r.Cause != c {
		t.Fatalf("got %v/%v, want expired/%v", r.Decision, r.Cause, c)
	}
}

func strp(s string) *string { return &s }

func TestSessionScenarios(t *testing.T) {
	t.Run("s01 rejected", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.pas.RefreshFails(400, 0)
		expectExpired(t, w.validate(), CausePASRejected)
		if w.effects() != prefix || w.cache.has {
			t.Fatal(w.effects())
		}
	})
	t.Run("s02 server error", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.pas.RefreshFails(503, 5*time.Second)
		expectExpired(t, w.validate(), CausePASUnavailable)
	})
	t.Run("s03 transport", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.pas.RefreshFails(0, 0)
		expectExpired(t, w.validate(), CausePASUnavailable)
	})
	t.Run("s04 undecryptable", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		other, _ := NewCipher(GenerateKey())
		w.store.ct, _ = other.Encrypt("rt-original")
		expectExpired(t, w.validate(), CauseDecryptFailed)
		w.store.ct = "garbage!"
		expectExpired(t, w.validate(), CauseDecryptFailed)
		if calls, _ := w.pas.Calls(); calls != 0 {
			t.Fatal(calls)
		}
	})
	t.Run("s05 sv missing", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		_ = w.pas.RefreshOK(`{"sub":"x"}`, nil)
		expectExpired(t, w.validate(), CauseSvMissing)
	})
	t.Run("s06 persist failure", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.store.failPersist = true
		w.refreshOK("4", nil)
		expectExpired(t, w.validate(), CausePersistFailed)
		if w.effects() != prefix+";persist sv=4" || w.cache.has {
			t.Fatal(w.effects())
		}
	})
	t.Run("s07 ciphertext lookup failure", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.store.failCiphertext = true
		expectExpired(t, w.validate(), CauseCiphertextLookupFailed)
	})
	t.Run("s08 session gone", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.store.vanishAfterPersist = true
		w.refreshOK("4", nil)
		expectExpired(t, w.validate(), CauseSessionGone)
		if w.effects() != prefix+";persist sv=4;record_cache sv=4 ttl=60;find_session" {
			t.Fatal(w.effects())
		}
	})
	t.Run("s09 happy path", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.refreshOK("5", nil)
		r := w.validate()
		if r != (Result{Decision: DecisionAuthenticated, SV: 5, Refreshed: true}) {
			t.Fatalf("%+v", r)
		}
		if w.effects() != prefix+";persist sv=5;record_cache sv=5 ttl=60;find_session" || w.store.sv != 5 || w.cache.sv != 5 {
			t.Fatal(w.effects())
		}
	})
	t.Run("s11 no ciphertext", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.store.hasCT = false
		expectExpired(t, w.validate(), CauseCiphertextMissing)
	})
	t.Run("s12 no cipher", func(t *testing.T) {
		w := newWorld(t, true, 3, false)
		expectExpired(t, w.validate(), CauseNoCipher)
		if w.effects() != "find_session;load_cache" {
			t.Fatal(w.effects())
		}
	})
	t.Run("s13 fresh cache", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.cache.has, w.cache.sv = true, 3
		if r := w.validate(); r != (Result{Decision: DecisionAuthenticated, SV: 3}) || w.effects() != "find_session;load_cache" {
			t.Fatalf("%+v %s", r, w.effects())
		}
	})
	t.Run("s15 cache error refreshes", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.cache.has, w.cache.sv, w.cache.failLoad = true, 3, true
		w.refreshOK("3", nil)
		if r := w.validate(); !r.Refreshed || r.Decision != DecisionAuthenticated {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("s17 sv shapes", func(t *testing.T) {
		for _, c := range []struct {
			sv    string
			cause Cause
		}{{"null", CauseSvMissing}, {`"2"`, CauseSvInvalid}, {"2.0", CauseSvInvalid}, {"-1", CauseSvInvalid}, {"true", CauseSvInvalid}} {
			w := newWorld(t, true, 1, true)
			w.refreshOK(c.sv, nil)
			expectExpired(t, w.validate(), c.cause)
		}
		w := newWorld(t, true, 1, true)
		_ = w.pas.RefreshOKRaw("opaque-not-a-jwt")
		expectExpired(t, w.validate(), CauseSvMissing)
	})
	t.Run("s17b regression", func(t *testing.T) {
		w := newWorld(t, true, 5, true)
		w.refreshOK("4", nil)
		expectExpired(t, w.validate(), CauseSvRegressed)
	})
	t.Run("s18 rotation", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		w.refreshOK("4", strp("rt-rotated"))
		if r := w.validate(); r.SV != 4 || w.effects() != prefix+";persist sv=4 rotated;record_cache sv=4 ttl=60;find_session" {
			t.Fatalf("%+v %s", r, w.effects())
		}
		if pt, err := w.cipher.Decrypt(w.store.ct); err != nil || pt != "rt-rotated" {
			t.Fatal(pt, err)
		}
	})
	t.Run("s21 store failure is an error", func(t *testing.T) {
		for _, call := range []int{1, 2} {
			w := newWorld(t, true, 3, true)
			w.store.failFindCall = call
			w.refreshOK("4", nil)
			r, err := w.v.Validate(context.Background(), w.store, sid)
			if !errors.Is(err, ErrStoreFailed) || r.Decision != DecisionExpired {
				t.Fatalf("call %d: %+v %v", call, r, err)
			}
		}
	})
	t.Run("s23 no cookie and unknown session", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		if r, err := w.v.Validate(context.Background(), w.store, ""); err != nil || r.Decision != DecisionNoCookie {
			t.Fatal(r, err)
		}
		r, err := w.v.Validate(context.Background(), w.store, "nope")
		if err != nil {
			t.Fatal(err)
		}
		expectExpired(t, r, CauseSessionUnknown)
	})
	t.Run("built-in cache", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		v := NewTestingValidator(w.pas, w.cipher)
		w.refreshOK("3", nil)
		for i, want := range []bool{true, false} {
			r, err := v.Validate(context.Background(), w.store, sid)
			if err != nil || r.Decision != DecisionAuthenticated || r.Refreshed != want {
				t.Fatalf("%d: %+v %v", i, r, err)
			}
		}
		v.ClearCache()
		v.Close()
		v.Close()
	})
	t.Run("cancelled context", func(t *testing.T) {
		w := newWorld(t, true, 3, true)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, err := w.v.Validate(ctx, w.store, sid)
		if !errors.Is(err, context.Canceled) || r.Decision != DecisionExpired {
			t.Fatal(r, err)
		}
	})
}

// s22 and F08: one validator and one cipher shared by many goroutines (run with -race).
func TestConcurrentValidationsShareOnePASCall(t *testing.T) {
	w := newWorld(t, true, 3, true)
	w.pas.SetDelay(200 * time.Millisecond)
	w.refreshOK("4", strp("rt-rotated"))
	var wg sync.WaitGroup
	results := make([]Result, 16)
	errs := make([]error, 16)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = w.v.Validate(context.Background(), w.store, sid)
			if _, err := w.cipher.Decrypt(w.store.ctSnapshot()); err != nil {
				errs[i] = err
			}
		}(i)
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || results[i].Decision != DecisionAuthenticated || results[i].SV != 4 {
			t.Fatalf("%d: %+v %v", i, results[i], errs[i])
		}
	}
	if calls, unexpected := w.pas.Calls(); calls != 1 || unexpected != 0 {
		t.Fatal(calls, unexpected)
	}
}

func (s *memStore) ctSnapshot() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ct
}
