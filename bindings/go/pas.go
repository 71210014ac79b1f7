// Package pas keeps login sessions correct against the PAS OAuth2/OIDC server: PKCE and
// authorization URLs, code exchange and refresh, the refresh-token cipher, access-token
// verification and fail-closed session validation. It is a thin cgo layer over libpas (the
// pas-ffi crate), which every pas binding shares, so decisions are identical in every language.
//
// Build: libpas is built from the workspace (cargo build -p pas-ffi); the #cgo directives point
// at ../../include and ../../target/debug. Override with CGO_CFLAGS / CGO_LDFLAGS for other
// layouts (for example a release build or an installed libpas).
//
// Handles (Client, Cipher, Verifier, Validator) are safe for concurrent use by many goroutines.
// They are released by Close or, failing that, by a finalizer. Calls that do network I/O take a
// context.Context: it is checked before the call and the call is abandoned (its result dropped)
// when the context ends first; the underlying request still ends within the client's timeout.
package pas

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/debug -lpas -Wl,-rpath,${SRCDIR}/../../target/debug
#include <stdlib.h>
#include <string.h>
#include "pas.h"
*/
import "C"

import (
	"context"
	"runtime"
	"time"
	"unsafe"
)

// ABIVersion is the ABI version of the header this package was compiled against.
const ABIVersion = C.PAS_ABI_VERSION

// Version returns the version of the loaded library, e.g. "pas/0.1.0 (pas-core 0.1.0)".
func Version() string { return C.GoString(C.pas_version()) }

// LibraryABIVersion returns the ABI version of the loaded libpas; it must equal ABIVersion.
func LibraryABIVersion() uint32 { return uint32(C.pas_abi_version()) }

var emptyByte byte

// cstr passes a Go string to C as pointer + length without copying. The pointer is valid for the
// duration of the C call only (cgo pointer rules: string bytes hold no Go pointers).
func cstr(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return (*C.char)(unsafe.Pointer(&emptyByte)), 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// gostr copies a borrowed pas_str into a Go string ("" when absent).
func gostr(s C.pas_str) string {
	if s.data == nil {
		return ""
	}
	return C.GoStringN(s.data, C.int(s.len))
}

// gobytes copies and frees a library-owned buffer (zeroized by pas_bytes_free).
func gobytes(b *C.pas_bytes) string {
	if b.data == nil {
		return ""
	}
	s := C.GoStringN((*C.char)(unsafe.Pointer(b.data)), C.int(b.len))
	C.pas_bytes_free(b)
	return s
}

// withContext runs fn (a blocking C call that copies its results into Go values) unless ctx is
// already done; if ctx ends first, its error is returned and fn's result is dropped.
func withContext[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		return fn()
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// ---- PKCE ---------------------------------------------------------------------------------

// NewCodeVerifier returns a fresh PKCE code verifier (64 characters, 48 random bytes).
func NewCodeVerifier() string {
	var buf [C.PAS_PKCE_VERIFIER_LEN + 1]C.char
	var n C.size_t
	if C.pas_pkce_new_verifier(&buf[0], C.size_t(len(buf)), &n) != C.PAS_STATUS_OK {
		return ""
	}
	return C.GoStringN(&buf[0], C.int(n))
}

// NewState returns a fresh OAuth state value (22 characters, 128 bits).
func NewState() string {
	var buf [C.PAS_STATE_LEN + 1]C.char
	var n C.size_t
	if C.pas_pkce_new_state(&buf[0], C.size_t(len(buf)), &n) != C.PAS_STATUS_OK {
		return ""
	}
	return C.GoStringN(&buf[0], C.int(n))
}

// CodeChallengeS256 returns the S256 challenge of a verifier (ErrInvalidVerifier when it is not
// 43-128 unreserved characters).
func CodeChallengeS256(verifier string) (string, error) {
	var buf [C.PAS_PKCE_CHALLENGE_LEN + 1]C.char
	var n C.size_t
	var cerr *C.pas_error
	p, l := cstr(verifier)
	st := C.pas_pkce_challenge_s256(p, l, &buf[0], C.size_t(len(buf)), &n, &cerr)
	runtime.KeepAlive(verifier)
	if err := errorFrom(st, cerr); err != nil {
		return "", err
	}
	return C.GoStringN(&buf[0], C.int(n)), nil
}

// ---- Cipher -------------------------------------------------------------------------------

// Cipher seals and opens refresh tokens (AES-256-GCM, key ring). Safe for concurrent use.
type Cipher struct{ p *C.pas_cipher }

// GenerateKey returns a fresh random key (standard base64 of 32 bytes). Keep it secret.
func GenerateKey() string {
	var buf [C.PAS_CIPHER_KEY_B64_LEN + 1]C.char
	var n C.size_t
	if C.pas_cipher_generate_key(&buf[0], C.size_t(len(buf)), &n) != C.PAS_STATUS_OK {
		return ""
	}
	s := C.GoStringN(&buf[0], C.int(n))
	for i := range buf {
		buf[i] = 0
	}
	return s
}

// NewCipher returns a cipher whose primary key is primary and which also decrypts with the
// previous keys, in order (key rotation). Errors: ErrKeyInvalid, ErrKeyWrongLength.
func NewCipher(primary string, previous ...string) (*Cipher, error) {
	var out *C.pas_cipher
	var cerr *C.pas_error
	p, l := cstr(primary)
	var prev *C.pas_str
	if len(previous) > 0 {
		// C memory: the array must not hold Go pointers when passed to C.
		arr := (*[1 << 20]C.pas_str)(C.malloc(C.size_t(len(previous)) * C.size_t(unsafe.Sizeof(C.pas_str{}))))[:len(previous):len(previous)]
		defer C.free(unsafe.Pointer(&arr[0]))
		cs := make([]*C.char, len(previous))
		for i, k := range previous {
			cs[i] = C.CString(k)
			arr[i] = C.pas_str{data: cs[i], len: C.size_t(len(k))}
		}
		defer func() {
			for i, c := range cs {
				C.memset(unsafe.Pointer(c), 0, C.size_t(len(previous[i])))
				C.free(unsafe.Pointer(c))
			}
		}()
		prev = &arr[0]
	}
	st := C.pas_cipher_new_ring(p, l, prev, C.size_t(len(previous)), &out, &cerr)
	runtime.KeepAlive(primary)
	if err := errorFrom(st, cerr); err != nil {
		return nil, err
	}
	c := &Cipher{p: out}
	runtime.SetFinalizer(c, (*Cipher).Close)
	return c, nil
}

// Close releases the cipher. It must not be in use by another goroutine.
func (c *Cipher) Close() {
	if c.p != nil {
		runtime.SetFinalizer(c, nil)
		C.pas_cipher_free(c.p)
		c.p = nil
	}
}

// Encrypt seals a refresh token into its stored form (base64 nonce ‖ ciphertext ‖ tag).
func (c *Cipher) Encrypt(plaintext string) (string, error) {
	var out C.pas_bytes
	var cerr *C.pas_error
	p, l := cstr(plaintext)
	st := C.pas_cipher_encrypt(c.p, p, l, &out, &cerr)
	runtime.KeepAlive(plaintext)
	runtime.KeepAlive(c)
	if err := errorFrom(st, cerr); err != nil {
		return "", err
	}
	return gobytes(&out), nil
}

// Decrypt opens a stored refresh token (ErrDecryptFailed for a wrong key or tampering,
// ErrCiphertextMalformed, ErrCiphertextTruncated).
func (c *Cipher) Decrypt(ciphertext string) (string, error) {
	var out C.pas_bytes
	var cerr *C.pas_error
	p, l := cstr(ciphertext)
	st := C.pas_cipher_decrypt(c.p, p, l, &out, &cerr)
	runtime.KeepAlive(ciphertext)
	runtime.KeepAlive(c)
	if err := errorFrom(st, cerr); err != nil {
		return "", err
	}
	return gobytes(&out), nil
}

// ---- Client -------------------------------------------------------------------------------

// Client talks to PAS (code exchange, refresh, liveness refresh) with its own runtime and
// connection pool. Safe for concurrent use; share one per process.
type Client struct{ p *C.pas_client }

// NewClient returns a client for PAS at baseURL (PAS's endpoint layout; issuer = baseURL).
// timeout bounds every request (0: 10 s). No network I/O happens here.
func NewClient(clientID, redirectURI, baseURL string, timeout time.Duration) (*Client, error) {
	var out *C.pas_client
	var cerr *C.pas_error
	a, al := cstr(clientID)
	b, bl := cstr(redirectURI)
	u, ul := cstr(baseURL)
	st := C.pas_client_new(a, al, b, bl, u, ul, C.uint32_t(timeout.Milliseconds()), &out, &cerr)
	runtime.KeepAlive(clientID)
	runtime.KeepAlive(redirectURI)
	runtime.KeepAlive(baseURL)
	if err := errorFrom(st, cerr); err != nil {
		return nil, err
	}
	c := &Client{p: out}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// Close releases the client (its runtime stops once no validator uses it).
func (c *Client) Close() {
	if c.p != nil {
		runtime.SetFinalizer(c, nil)
		C.pas_client_free(c.p)
		c.p = nil
	}
}

// AuthRequest is where to send the browser, and what to keep until the callback.
type AuthRequest struct {
	URL          string
	State        string
	CodeVerifier string // secret until the code exchange
}

func authRequestFrom(req *C.pas_auth_request) AuthRequest {
	var u, s, v C.pas_str
	C.pas_auth_request_url(req, &u)
	C.pas_auth_request_state(req, &s)
	C.pas_auth_request_code_verifier(req, &v)
	r := AuthRequest{URL: gostr(u), State: gostr(s), CodeVerifier: gostr(v)}
	C.pas_auth_request_free(req)
	return r
}

// AuthorizationRequest returns a fresh request (new state, new verifier, S256 challenge).
func (c *Client) AuthorizationRequest() (AuthRequest, error) {
	var req *C.pas_auth_request
	var cerr *C.pas_error
	st := C.pas_client_authorization_request(c.p, &req, &cerr)
	runtime.KeepAlive(c)
	if err := errorFrom(st, cerr); err != nil {
		return AuthRequest{}, err
	}
	return authRequestFrom(req), nil
}

// AuthorizationRequestWith returns a request for a caller-chosen verifier and state.
func (c *Client) AuthorizationRequestWith(verifier, state string) (AuthRequest, error) {
	var req *C.pas_auth_request
	var cerr *C.pas_error
	v, vl := cstr(verifier)
	s, sl := cstr(state)
	st := C.pas_client_authorization_request_with(c.p, v, vl, s, sl, &req, &cerr)
	runtime.KeepAlive(verifier)
	runtime.KeepAlive(state)
	runtime.KeepAlive(c)
	if err := errorFrom(st, cerr); err != nil {
		return AuthRequest{}, err
	}
	return authRequestFrom(req), nil
}

// Tokens is a token-endpoint answer.
type Tokens struct {
	AccessToken  string
	RefreshToken string // "" when PAS sent none
	IDToken      string // "" when PAS sent none
	TokenType    string
	Scope        string
	ExpiresIn    time.Duration // 0 when PAS did not say
}

func tokensFrom(t *C.pas_tokens) *Tokens {
	var a, r, i, ty, sc C.pas_str
	var exp C.int64_t
	C.pas_tokens_access_token(t, &a)
	C.pas_tokens_refresh_token(t, &r)
	C.pas_tokens_id_token(t, &i)
	C.pas_tokens_token_type(t, &ty)
	C.pas_tokens_scope(t, &sc)
	C.pas_tokens_expires_in(t, &exp)
	out := &Tokens{AccessToken: gostr(a), RefreshToken: gostr(r), IDToken: gostr(i), TokenType: gostr(ty), Scope: gostr(sc)}
	if exp > 0 {
		out.ExpiresIn = time.Duration(exp) * time.Second
	}
	C.pas_tokens_free(t)
	return out
}

// ExchangeCode exchanges an authorization code and its PKCE verifier for tokens (network).
// Errors: ErrPASRejected (with HTTPStatus/OAuthError), ErrPASServerError, ErrPASTransport,
// ErrPASTimeout, ErrPASBadResponse, or ctx.Err().
func (c *Client) ExchangeCode(ctx context.Context, code, verifier string) (*Tokens, error) {
	return withContext(ctx, func() (*Tokens, error) {
		var t *C.pas_tokens
		var cerr *C.pas_error
		a, al := cstr(code)
		v, vl := cstr(verifier)
		st := C.pas_client_exchange_code(c.p, a, al, v, vl, &t, &cerr)
		runtime.KeepAlive(code)
		runtime.KeepAlive(verifier)
		runtime.KeepAlive(c)
		if err := errorFrom(st, cerr); err != nil {
			return nil, err
		}
		return tokensFrom(t), nil
	})
}

// Refresh refreshes a plaintext refresh token at PAS (network). Errors as ExchangeCode.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	return withContext(ctx, func() (*Tokens, error) {
		var t *C.pas_tokens
		var cerr *C.pas_error
		r, rl := cstr(refreshToken)
		st := C.pas_client_refresh(c.p, r, rl, &t, &cerr)
		runtime.KeepAlive(refreshToken)
		runtime.KeepAlive(c)
		if err := errorFrom(st, cerr); err != nil {
			return nil, err
		}
		return tokensFrom(t), nil
	})
}

// LivenessOutcome classifies a liveness refresh.
type LivenessOutcome uint32

// Liveness outcomes.
const (
	LivenessFresh     LivenessOutcome = C.PAS_LIVENESS_FRESH     // keep; persist RotatedCiphertext if set
	LivenessRevoked   LivenessOutcome = C.PAS_LIVENESS_REVOKED   // the session is dead
	LivenessTransient LivenessOutcome = C.PAS_LIVENESS_TRANSIENT // keep; retry later
)

// Liveness is the result of a liveness refresh.
type Liveness struct {
	Outcome           LivenessOutcome
	Cause             string // "decrypt_failed", "pas_rejected", "pas_unavailable", "encrypt_failed" or ""
	HTTPStatus        int
	RetryAfter        time.Duration
	RotatedCiphertext string // "" when PAS did not rotate
}

func livenessFrom(r *C.pas_liveness_result) Liveness {
	l := Liveness{Outcome: LivenessOutcome(r.outcome), HTTPStatus: int(r.http_status)}
	if r.cause != nil {
		l.Cause = C.GoString(r.cause)
	}
	if r.retry_after_ms > 0 {
		l.RetryAfter = time.Duration(r.retry_after_ms) * time.Millisecond
	}
	l.RotatedCiphertext = gobytes(&r.rotated_ciphertext)
	return l
}

// LivenessRefresh decrypts a stored refresh token with cipher, refreshes it at PAS and
// classifies the answer (fail-open: only a PAS rejection or an undecryptable token revoke).
func (c *Client) LivenessRefresh(ctx context.Context, cipher *Cipher, ciphertext string) (Liveness, error) {
	return withContext(ctx, func() (Liveness, error) {
		var r C.pas_liveness_result
		var cerr *C.pas_error
		p, l := cstr(ciphertext)
		st := C.pas_client_liveness_refresh(c.p, cipher.p, p, l, &r, &cerr)
		runtime.KeepAlive(ciphertext)
		runtime.KeepAlive(c)
		runtime.KeepAlive(cipher)
		if err := errorFrom(st, cerr); err != nil {
			return Liveness{}, err
		}
		return livenessFrom(&r), nil
	})
}
