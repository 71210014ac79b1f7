package pas

/*
#include "pas.h"
*/
import "C"

import (
	"context"
	"runtime"
	"time"
)

// Decision is the outcome of a session validation. Its zero value is DecisionExpired.
type Decision uint32

// Decisions.
const (
	DecisionExpired       Decision = C.PAS_DECISION_EXPIRED
	DecisionAuthenticated Decision = C.PAS_DECISION_AUTHENTICATED
	DecisionNoCookie      Decision = C.PAS_DECISION_NO_COOKIE
)

func (d Decision) String() string {
	switch d {
	case DecisionAuthenticated:
		return "authenticated"
	case DecisionNoCookie:
		return "no_cookie"
	default:
		return "expired"
	}
}

// Cause says why a session is Expired (stable names shared by every language).
type Cause uint32

// Causes (CauseNone when not Expired).
const (
	CauseNone                   Cause = C.PAS_CAUSE_NONE
	CauseSessionUnknown         Cause = C.PAS_CAUSE_SESSION_UNKNOWN
	CauseNoCipher               Cause = C.PAS_CAUSE_NO_CIPHER
	CauseCiphertextMissing      Cause = C.PAS_CAUSE_CIPHERTEXT_MISSING
	CauseCiphertextLookupFailed Cause = C.PAS_CAUSE_CIPHERTEXT_LOOKUP_FAILED
	CauseDecryptFailed          Cause = C.PAS_CAUSE_DECRYPT_FAILED
	CausePASRejected            Cause = C.PAS_CAUSE_PAS_REJECTED
	CausePASUnavailable         Cause = C.PAS_CAUSE_PAS_UNAVAILABLE
	CauseSvMissing              Cause = C.PAS_CAUSE_SV_MISSING
	CauseSvInvalid              Cause = C.PAS_CAUSE_SV_INVALID
	CauseSvRegressed            Cause = C.PAS_CAUSE_SV_REGRESSED
	CauseEncryptFailed          Cause = C.PAS_CAUSE_ENCRYPT_FAILED
	CausePersistFailed          Cause = C.PAS_CAUSE_PERSIST_FAILED
	CauseSessionGone            Cause = C.PAS_CAUSE_SESSION_GONE
)

func (c Cause) String() string { return C.GoString(C.pas_cause_name(C.uint32_t(c))) }

// Result is a session decision.
type Result struct {
	Decision  Decision
	Cause     Cause // why Expired; CauseNone otherwise
	SV        int64 // the session's sv when Authenticated (the new one after a refresh)
	Refreshed bool  // whether PAS was asked
}

// Session is what validation needs to know about a host session.
type Session struct {
	PpnumID string // the PAS account id (sub)
	SV      int64  // valid when HasSV
	HasSV   bool   // a session without sv is always refreshed
}

// Store is the host's session store. Methods are called on the validating goroutine, in the
// order the core's state machine asks. Return (nil, nil) / ("", false, nil) for "none".
type Store interface {
	// FindSession finds a session (also the re-fetch after a refresh).
	FindSession(ctx context.Context, sessionID string) (*Session, error)
	// RefreshCiphertext returns the session's stored refresh-token ciphertext.
	RefreshCiphertext(ctx context.Context, sessionID string) (ciphertext string, ok bool, err error)
	// PersistRefresh writes the new sv and, when rotatedCiphertext is not nil, the rotated
	// refresh token's ciphertext, in one write. Must be idempotent.
	PersistRefresh(ctx context.Context, sessionID string, sv int64, rotatedCiphertext *string) error
}

// SVCache is an optional shared sv cache (Redis and the like). Without one, the validator's
// built-in 60 s memory cache is used. A Load error counts as a miss; Store is best effort.
type SVCache interface {
	Load(ctx context.Context, key string) (sv int64, ok bool, err error)
	Store(ctx context.Context, key string, sv int64, ttl time.Duration) error
}

// Validator validates sessions against PAS. Safe for concurrent use; share one per process so
// concurrent refreshes of one session share one PAS call.
type Validator struct {
	p     *C.pas_session_validator
	cache SVCache
}

// ValidatorOption configures a Validator.
type ValidatorOption func(*Validator)

// WithSVCache makes the validator use a shared sv cache instead of its memory cache.
func WithSVCache(cache SVCache) ValidatorOption { return func(v *Validator) { v.cache = cache } }

func newValidator(p *C.pas_session_validator, opts []ValidatorOption) *Validator {
	v := &Validator{p: p}
	for _, o := range opts {
		o(v)
	}
	runtime.SetFinalizer(v, (*Validator).Close)
	return v
}

// NewValidator returns a validator refreshing through client and decrypting with cipher (nil: no
// cipher, every refresh path ends Expired no_cipher). client and cipher may be closed afterwards.
func NewValidator(client *Client, cipher *Cipher, opts ...ValidatorOption) (*Validator, error) {
	var out *C.pas_session_validator
	var cp *C.pas_cipher
	if cipher != nil {
		cp = cipher.p
	}
	st := C.pas_session_validator_new(client.p, cp, &out)
	runtime.KeepAlive(client)
	runtime.KeepAlive(cipher)
	if err := errorFrom(st, nil); err != nil {
		return nil, err
	}
	return newValidator(out, opts), nil
}

// Close releases the validator.
func (v *Validator) Close() {
	if v.p != nil {
		runtime.SetFinalizer(v, nil)
		C.pas_session_validator_free(v.p)
		v.p = nil
	}
}

// ClearCache empties the built-in memory sv cache.
func (v *Validator) ClearCache() {
	C.pas_session_validator_cache_clear(v.p)
	runtime.KeepAlive(v)
}

// Validate decides whether the session named by sessionID (the cookie value; "" = no cookie) is
// live. It loops over the core's state machine in Go: store effects run here, on this
// goroutine; only the PAS refresh crosses into libpas (blocking, within the client's timeout).
//
// Every policy outcome is a Result with a nil error. The error is non-nil only when the store
// failed on the first lookup or the re-fetch (ErrStoreFailed), or ctx ended (checked between
// steps); the Result is then Expired.
func (v *Validator) Validate(ctx context.Context, store Store, sessionID string) (Result, error) {
	defer runtime.KeepAlive(v)
	if sessionID == "" {
		return Result{Decision: DecisionNoCookie}, nil
	}
	var chk *C.pas_session_check
	s, sl := cstr(sessionID)
	st := C.pas_session_check_new(v.p, s, sl, &chk)
	runtime.KeepAlive(sessionID)
	if err := errorFrom(st, nil); err != nil {
		return Result{}, err
	}
	defer C.pas_session_check_free(chk)
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		var step C.pas_step
		C.pas_session_check_step(chk, &step)
		switch step.kind {
		case C.PAS_STEP_FIND_SESSION, C.PAS_STEP_REFETCH:
			sess, err := store.FindSession(ctx, gostr(step.session_id))
			switch {
			case err != nil:
				C.pas_session_check_feed_store_failed(chk)
			case sess == nil:
				C.pas_session_check_feed_no_session(chk)
			default:
				p, l := cstr(sess.PpnumID)
				C.pas_session_check_feed_session(chk, p, l, C.bool(sess.HasSV), C.int64_t(sess.SV))
				runtime.KeepAlive(sess)
			}
		case C.PAS_STEP_LOAD_CACHE:
			key := gostr(step.cache_key)
			var found bool
			var sv int64
			if v.cache != nil {
				var err error
				sv, found, err = v.cache.Load(ctx, key)
				found = found && err == nil
			} else {
				var cf C.bool
				var csv C.int64_t
				k, kl := cstr(key)
				C.pas_session_validator_cache_get(v.p, k, kl, &cf, &csv)
				runtime.KeepAlive(key)
				found, sv = bool(cf), int64(csv)
			}
			C.pas_session_check_feed_cache(chk, C.bool(found), C.int64_t(sv))
		case C.PAS_STEP_FETCH_CIPHERTEXT:
			ct, ok, err := store.RefreshCiphertext(ctx, gostr(step.session_id))
			switch {
			case err != nil:
				C.pas_session_check_feed_store_failed(chk)
			case !ok:
				C.pas_session_check_feed_no_ciphertext(chk)
			default:
				p, l := cstr(ct)
				C.pas_session_check_feed_ciphertext(chk, p, l)
				runtime.KeepAlive(ct)
			}
		case C.PAS_STEP_REFRESH_AT_PAS:
			var cerr *C.pas_error
			if err := errorFrom(C.pas_session_check_refresh(v.p, chk, &cerr), cerr); err != nil {
				return Result{}, err
			}
		case C.PAS_STEP_PERSIST:
			var rotated *string
			if step.rotated_ciphertext.data != nil {
				r := gostr(step.rotated_ciphertext)
				rotated = &r
			}
			if err := store.PersistRefresh(ctx, gostr(step.session_id), int64(step.sv), rotated); err != nil {
				C.pas_session_check_feed_store_failed(chk)
			} else {
				C.pas_session_check_feed_persisted(chk)
			}
		case C.PAS_STEP_RECORD_CACHE:
			key, sv, ttl := gostr(step.cache_key), int64(step.sv), time.Duration(step.ttl_s)*time.Second
			if v.cache != nil {
				_ = v.cache.Store(ctx, key, sv, ttl) // best effort
			} else {
				k, kl := cstr(key)
				C.pas_session_validator_cache_set(v.p, k, kl, C.int64_t(sv), step.ttl_s)
				runtime.KeepAlive(key)
			}
			C.pas_session_check_feed_cache_recorded(chk)
		default: // PAS_STEP_DONE
			var r C.pas_session_result
			var cerr *C.pas_error
			if err := errorFrom(C.pas_session_check_result(chk, &r, &cerr), cerr); err != nil {
				return Result{}, err
			}
			return Result{Decision: Decision(r.decision), Cause: Cause(r.cause), SV: int64(r.sv), Refreshed: bool(r.refreshed)}, nil
		}
	}
}

// LivenessRefresh runs the fail-open liveness refresh with the validator's client and cipher.
func (v *Validator) LivenessRefresh(ctx context.Context, ciphertext string) (Liveness, error) {
	return withContext(ctx, func() (Liveness, error) {
		var r C.pas_liveness_result
		var cerr *C.pas_error
		p, l := cstr(ciphertext)
		st := C.pas_session_validator_liveness_refresh(v.p, p, l, &r, &cerr)
		runtime.KeepAlive(ciphertext)
		runtime.KeepAlive(v)
		if err := errorFrom(st, cerr); err != nil {
			return Liveness{}, err
		}
		return livenessFrom(&r), nil
	})
}
