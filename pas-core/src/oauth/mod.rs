//! OAuth2 configuration, authorization requests and the HTTP token client.
