//! Operating-system randomness (via `getrandom`).

use crate::CryptoError;

/// Returns `N` bytes from the operating system CSPRNG.
///
/// # Errors
/// [`CryptoError::Rng`] if the operating system generator fails.
pub(crate) fn random_array<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| CryptoError::Rng)?;
    Ok(out)
}
