//! Access-token (RFC 9068) verification and the JWKS cache.
