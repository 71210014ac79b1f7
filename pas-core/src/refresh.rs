//! The refresh core shared by the liveness path and the session path (pas-reference §7.3).
//!
//! Decrypt, then refresh at PAS, then classify. A ciphertext that does not decrypt never reaches
//! PAS. Each caller applies its own policy to the result: the liveness path keeps sessions on
//! transient failures (S-L3), the session path expires them on every failure (S-L6).

use crate::cipher::{EncryptedRefreshToken, TokenCipher};
use crate::error::Error;
use crate::pas_port::{PasFailure, PasPort, TokenResponse};
use crate::secret::SecretString;

/// What one decrypt-and-refresh attempt produced.
#[derive(Debug)]
pub enum PasRefreshOutcome {
    /// The stored ciphertext could not be decrypted; PAS was not called.
    CipherFailure(Error),
    /// PAS answered with new tokens.
    Refreshed {
        /// The token-endpoint answer.
        tokens: TokenResponse,
        /// The refresh token PAS returned, when it differs from the one sent (D10): the
        /// caller must persist it (re-encrypted) or the next refresh reuses a dead token.
        rotated_refresh_token: Option<SecretString>,
    },
    /// PAS or the network failed; classified by [`PasFailure`].
    Failed(PasFailure),
}

/// Decrypts `stored`, refreshes it at PAS and classifies the answer.
pub async fn pas_refresh(pas: &dyn PasPort, cipher: &TokenCipher, stored: &EncryptedRefreshToken) -> PasRefreshOutcome {
    let sent = match cipher.decrypt(stored) {
        Ok(plain) => plain,
        Err(err) => return PasRefreshOutcome::CipherFailure(err),
    };
    match pas.refresh(&sent).await {
        Ok(mut tokens) => {
            let rotated_refresh_token = tokens.refresh_token.take().filter(|new| *new != sent);
            tokens.refresh_token = rotated_refresh_token.clone();
            PasRefreshOutcome::Refreshed { tokens, rotated_refresh_token }
        }
        Err(failure) => PasRefreshOutcome::Failed(failure),
    }
}
