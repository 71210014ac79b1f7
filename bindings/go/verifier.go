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

// Algorithm is a JWS algorithm a verifier may accept.
type Algorithm uint32

// Algorithms (HMAC and "none" do not exist here).
const (
	EdDSA Algorithm = C.PAS_ALG_EDDSA
	ES256 Algorithm = C.PAS_ALG_ES256
	RS256 Algorithm = C.PAS_ALG_RS256
	PS256 Algorithm = C.PAS_ALG_PS256
)

// String returns the JOSE name ("EdDSA", "ES256", "RS256", "PS256"), or "unknown".
func (a Algorithm) String() string {
	switch a {
	case EdDSA:
		return "EdDSA"
	case ES256:
		return "ES256"
	case RS256:
		return "RS256"
	case PS256:
		return "PS256"
	default:
		return "unknown"
	}
}

// VerifierOptions configures NewVerifier. Set exactly one of JWKSJSON and JWKSURL.
type VerifierOptions struct {
	JWKSJSON        string        // static key set ({"keys":[...]})
	JWKSURL         string        // fetched lazily, cached (https, or http to loopback)
	Timeout         time.Duration // per JWKS request (0: 10 s)
	MinRefetch      time.Duration // at most one fetch per interval (0: 30 s)
	Leeway          time.Duration // clock leeway (default 60 s when zero; up to 300 s; NoLeeway for none)
	PASProfile      bool          // PAS header allow-list and cat=access
	ExtraAlgorithms []Algorithm   // in addition to EdDSA (or to Algorithms, when set)
	// Algorithms, when not nil, replaces the allow-list (EdDSA only by default), e.g. []Algorithm{ES256}
	// for an issuer that must not be trusted with EdDSA. An empty non-nil list is ErrInvalidConfig.
	Algorithms []Algorithm
}

// NoLeeway as VerifierOptions.Leeway checks exp, nbf and iat with no clock leeway at all (a zero
// Leeway means the default, 60 s). Any negative Leeway means the same.
const NoLeeway time.Duration = -1

// Verifier verifies PAS access tokens. Safe for concurrent use; share one per process.
type Verifier struct{ p *C.pas_verifier }

// NewVerifier builds a verifier for tokens issued by issuer for audience (your client id).
func NewVerifier(issuer, audience string, opts VerifierOptions) (*Verifier, error) {
	var b *C.pas_verifier_builder
	i, il := cstr(issuer)
	a, al := cstr(audience)
	if err := errorFrom(C.pas_verifier_builder_new(i, il, a, al, &b), nil); err != nil {
		return nil, err
	}
	runtime.KeepAlive(issuer)
	runtime.KeepAlive(audience)
	st := C.pas_status(C.PAS_STATUS_OK)
	if opts.Algorithms != nil {
		// Go memory without Go pointers may be passed to C; one spare element keeps &list[0] valid
		// for an empty list (which build refuses).
		list := make([]C.uint32_t, len(opts.Algorithms)+1)
		for i, alg := range opts.Algorithms {
			list[i] = C.uint32_t(alg)
		}
		st = C.pas_verifier_builder_set_algs(b, &list[0], C.size_t(len(opts.Algorithms)))
		runtime.KeepAlive(list)
	}
	for _, alg := range opts.ExtraAlgorithms {
		if st == C.PAS_STATUS_OK {
			st = C.pas_verifier_builder_allow_alg(b, C.uint32_t(alg))
		}
	}
	if st == C.PAS_STATUS_OK && opts.Leeway < 0 {
		st = C.pas_verifier_builder_set_leeway_s(b, 0)
	} else if st == C.PAS_STATUS_OK && opts.Leeway != 0 {
		st = C.pas_verifier_builder_set_leeway_s(b, C.uint32_t(min(opts.Leeway/time.Second, 1<<31)))
	}
	if st == C.PAS_STATUS_OK && opts.PASProfile {
		st = C.pas_verifier_builder_set_pas_profile(b, 1)
	}
	if st == C.PAS_STATUS_OK && opts.JWKSJSON != "" {
		j, jl := cstr(opts.JWKSJSON)
		st = C.pas_verifier_builder_jwks_json(b, j, jl)
	}
	if st == C.PAS_STATUS_OK && opts.JWKSURL != "" {
		u, ul := cstr(opts.JWKSURL)
		st = C.pas_verifier_builder_jwks_url(b, u, ul, C.uint32_t(opts.Timeout.Milliseconds()), C.uint32_t(opts.MinRefetch.Milliseconds()))
	}
	runtime.KeepAlive(opts)
	if st != C.PAS_STATUS_OK {
		C.pas_verifier_builder_free(b)
		return nil, errorFrom(st, nil)
	}
	var out *C.pas_verifier
	var cerr *C.pas_error
	if err := errorFrom(C.pas_verifier_builder_build(b, &out, &cerr), cerr); err != nil {
		return nil, err
	}
	v := &Verifier{p: out}
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// Close releases the verifier.
func (v *Verifier) Close() {
	if v.p != nil {
		runtime.SetFinalizer(v, nil)
		C.pas_verifier_free(v.p)
		v.p = nil
	}
}

// Claims are the checked claims of a verified access token.
type Claims struct {
	Subject   string // the ppnum id
	Issuer    string
	ClientID  string
	JWTID     string
	SessionID string // "" when absent
	KeyID     string // "" when absent
	Scopes    []string
	Audiences []string
	ExpiresAt time.Time
	IssuedAt  time.Time
	SV        int64
	HasSV     bool
	Algorithm Algorithm
}

// HasScope reports whether the token carries this exact scope.
func (c *Claims) HasScope(scope string) bool {
	for _, s := range c.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

func claimsFrom(c *C.pas_claims) *Claims {
	var s C.pas_str
	var n C.pas_claims_numbers
	out := &Claims{}
	C.pas_claims_subject(c, &s)
	out.Subject = gostr(s)
	C.pas_claims_issuer(c, &s)
	out.Issuer = gostr(s)
	C.pas_claims_client_id(c, &s)
	out.ClientID = gostr(s)
	C.pas_claims_jwt_id(c, &s)
	out.JWTID = gostr(s)
	C.pas_claims_session_id(c, &s)
	out.SessionID = gostr(s)
	C.pas_claims_key_id(c, &s)
	out.KeyID = gostr(s)
	C.pas_claims_numbers_get(c, &n)
	for i := C.size_t(0); i < n.scope_count; i++ {
		C.pas_claims_scope_at(c, i, &s)
		out.Scopes = append(out.Scopes, gostr(s))
	}
	for i := C.size_t(0); i < n.audience_count; i++ {
		C.pas_claims_audience_at(c, i, &s)
		out.Audiences = append(out.Audiences, gostr(s))
	}
	out.ExpiresAt = time.Unix(int64(n.expires_at), 0)
	out.IssuedAt = time.Unix(int64(n.issued_at), 0)
	out.SV, out.HasSV = int64(n.sv), bool(n.has_sv)
	out.Algorithm = Algorithm(n.alg)
	C.pas_claims_free(c)
	return out
}

// Verify verifies a token, fetching the JWKS when needed (first use, expired set, unknown kid).
// Errors: the token sentinels (ErrTokenExpired, ErrSignatureInvalid, ...) or ctx.Err().
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	return withContext(ctx, func() (*Claims, error) {
		var c *C.pas_claims
		var cerr *C.pas_error
		t, tl := cstr(token)
		st := C.pas_verifier_verify(v.p, t, tl, &c, &cerr)
		runtime.KeepAlive(token)
		runtime.KeepAlive(v)
		if err := errorFrom(st, cerr); err != nil {
			return nil, err
		}
		return claimsFrom(c), nil
	})
}

// VerifyCached verifies with the keys in hand, never touching the network.
func (v *Verifier) VerifyCached(token string) (*Claims, error) {
	return v.verifyCached(token, 0)
}

// VerifyCachedAt is VerifyCached with the clock fixed at now (tests, replaying a recorded
// request): exp, nbf and iat are checked against now instead of the current time. now must be
// after the Unix epoch.
func (v *Verifier) VerifyCachedAt(token string, now time.Time) (*Claims, error) {
	if now.Unix() <= 0 {
		return nil, &Error{Code: ErrInvalidArgument.Code, Name: ErrInvalidArgument.Name, Message: "invalid_argument: now must be after the Unix epoch"}
	}
	return v.verifyCached(token, uint64(now.Unix()))
}

func (v *Verifier) verifyCached(token string, nowUnix uint64) (*Claims, error) {
	var c *C.pas_claims
	var cerr *C.pas_error
	t, tl := cstr(token)
	st := C.pas_verifier_verify_cached(v.p, t, tl, C.uint64_t(nowUnix), &c, &cerr)
	runtime.KeepAlive(token)
	runtime.KeepAlive(v)
	if err := errorFrom(st, cerr); err != nil {
		return nil, err
	}
	return claimsFrom(c), nil
}
