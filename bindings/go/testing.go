package pas

/*
#include "pas.h"
*/
import "C"

import (
	"runtime"
	"time"
)

// TestingPAS is a scripted PAS for tests (TEST ONLY): each refresh pops the next scripted answer.
type TestingPAS struct{ p *C.pas_testing_pas }

// NewTestingPAS returns a scripted PAS with nothing scripted (TEST ONLY).
func NewTestingPAS() *TestingPAS {
	var out *C.pas_testing_pas
	C.pas_testing_pas_new(&out)
	t := &TestingPAS{p: out}
	runtime.SetFinalizer(t, func(t *TestingPAS) { C.pas_testing_pas_free(t.p) })
	return t
}

// RefreshOK scripts a refresh whose unsigned access token carries claimsJSON; refreshToken
// (nil: none) is the refresh token PAS returns.
func (t *TestingPAS) RefreshOK(claimsJSON string, refreshToken *string) error {
	return t.refreshOK(claimsJSON, false, refreshToken)
}

// RefreshOKRaw scripts a refresh whose access token is exactly accessToken.
func (t *TestingPAS) RefreshOKRaw(accessToken string) error {
	return t.refreshOK(accessToken, true, nil)
}

// RefreshOKToken scripts a refresh whose access token is exactly accessToken (any string, e.g. a
// prepared unsigned JWT) and whose refresh token is refreshToken (nil: none; a different one is a
// rotation).
func (t *TestingPAS) RefreshOKToken(accessToken string, refreshToken *string) error {
	return t.refreshOK(accessToken, true, refreshToken)
}

// refreshOK scripts one successful refresh: token is the access token itself (raw) or the claims
// of an unsigned one.
func (t *TestingPAS) refreshOK(token string, raw bool, refreshToken *string) error {
	c, cl := cstr(token)
	var r *C.char
	var rl C.size_t
	if refreshToken != nil {
		r, rl = cstr(*refreshToken)
	}
	st := C.pas_testing_pas_refresh_ok(t.p, c, cl, C.bool(raw), r, rl)
	runtime.KeepAlive(token)
	runtime.KeepAlive(refreshToken)
	runtime.KeepAlive(t)
	return errorFrom(st, nil)
}

// RefreshOKExpecting is RefreshOKToken for one refresh token only: when the refresh carries
// another token than expectedRefreshToken, PAS answers 400 invalid_grant instead.
func (t *TestingPAS) RefreshOKExpecting(expectedRefreshToken, accessToken string, refreshToken *string) error {
	e, el := cstr(expectedRefreshToken)
	c, cl := cstr(accessToken)
	var r *C.char
	var rl C.size_t
	if refreshToken != nil {
		r, rl = cstr(*refreshToken)
	}
	st := C.pas_testing_pas_refresh_ok_expecting(t.p, e, el, c, cl, r, rl)
	runtime.KeepAlive(expectedRefreshToken)
	runtime.KeepAlive(accessToken)
	runtime.KeepAlive(refreshToken)
	runtime.KeepAlive(t)
	return errorFrom(st, nil)
}

// RefreshTransport scripts a refresh that fails without an HTTP answer: kind is ErrPASTransport,
// ErrPASTimeout or ErrPASBadResponse (anything else is ErrInvalidArgument).
func (t *TestingPAS) RefreshTransport(kind *Error) error {
	st := C.pas_testing_pas_refresh_transport(t.p, C.pas_status(kind.Code))
	runtime.KeepAlive(t)
	return errorFrom(st, nil)
}

// RefreshFails scripts a failed refresh: httpStatus 4xx rejects, 408/429/5xx is a server error,
// 0 a transport failure.
func (t *TestingPAS) RefreshFails(httpStatus int, retryAfter time.Duration) {
	C.pas_testing_pas_refresh_fails(t.p, C.uint16_t(httpStatus), C.uint32_t(retryAfter/time.Second))
	runtime.KeepAlive(t)
}

// SetDelay makes every refresh wait d first.
func (t *TestingPAS) SetDelay(d time.Duration) {
	C.pas_testing_pas_set_delay_ms(t.p, C.uint32_t(d.Milliseconds()))
	runtime.KeepAlive(t)
}

// Calls returns the number of refresh calls and of calls with nothing scripted.
func (t *TestingPAS) Calls() (calls, unexpected int) {
	var c, u C.size_t
	C.pas_testing_pas_calls(t.p, &c, &u)
	runtime.KeepAlive(t)
	return int(c), int(u)
}

// NewTestingValidator returns a validator over a scripted PAS (TEST ONLY).
func NewTestingValidator(pas *TestingPAS, cipher *Cipher, opts ...ValidatorOption) *Validator {
	var out *C.pas_session_validator
	var cp *C.pas_cipher
	if cipher != nil {
		cp = cipher.p
	}
	C.pas_testing_validator_new(pas.p, cp, &out)
	runtime.KeepAlive(pas)
	runtime.KeepAlive(cipher)
	return newValidator(out, opts)
}
