package pas

/*
#include "pas.h"
*/
import "C"

import (
	"fmt"
	"time"
)

// Status is a pas status number (the C PAS_STATUS_* value); 0 is success.
type Status uint32

// String returns the stable name of the status ("token_expired", "ok", "unknown").
func (s Status) String() string { return C.GoString(C.pas_status_name(C.uint32_t(s))) }

// Error is every error the package returns for a failed pas call. Code and Name are stable
// across languages; Message never contains a token, key or plaintext.
//
// Match a kind of failure with errors.Is against the exported sentinels
// (errors.Is(err, pas.ErrDecryptFailed)); read the details with errors.As.
type Error struct {
	Code       Status
	Name       string
	Message    string
	HTTPStatus int           // the HTTP status PAS answered with, or 0
	OAuthError string        // PAS's RFC 6749 error code ("invalid_grant"), or ""
	RetryAfter time.Duration // PAS's Retry-After, or 0
}

func (e *Error) Error() string {
	if e.Message != "" {
		return "pas: " + e.Message
	}
	return fmt.Sprintf("pas: %s", e.Name)
}

// Is reports whether target is an *Error with the same code (sentinels carry only the code).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// errorFrom turns a status and an optional C error object into a Go error, freeing the object.
func errorFrom(status C.pas_status, cerr *C.pas_error) error {
	if status == C.PAS_STATUS_OK {
		if cerr != nil {
			C.pas_error_free(cerr)
		}
		return nil
	}
	e := &Error{Code: Status(status), Name: Status(status).String()}
	if cerr != nil {
		e.Message = C.GoString(C.pas_error_message(cerr))
		e.HTTPStatus = int(C.pas_error_http_status(cerr))
		if o := C.pas_error_oauth_error(cerr); o != nil {
			e.OAuthError = C.GoString(o)
		}
		if ms := int64(C.pas_error_retry_after_ms(cerr)); ms >= 0 {
			e.RetryAfter = time.Duration(ms) * time.Millisecond
		}
		C.pas_error_free(cerr)
	} else {
		e.Message = e.Name
	}
	return e
}

// Codes returns every error code the library defines (its stable name and C status number), in
// numeric order: the table the conformance vectors (tests/vectors/errors.json) check.
func Codes() []Error {
	out := make([]Error, len(sentinels))
	for i, s := range sentinels {
		out[i] = Error{Code: s.Code, Name: s.Name}
	}
	return out
}
