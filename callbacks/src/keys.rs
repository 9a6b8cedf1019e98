//! Signing keys: mint tokens with the active key, verify with any key held.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use rand::{CryptoRng, Rng};
use sha2::Sha256;

use crate::error::{KeyError, TokenError};
use crate::token::{self, MIN_SECRET_LEN, NONCE_LEN, TAG_LEN, TaskClaims, TaskToken};

/// Fed to the MAC before the token bytes, so a tag made for tokens never verifies anything
/// else signed with the same secret (and the other way round).
const DOMAIN: &[u8] = b"baton/task-token\0";

/// One signing key: an HMAC-SHA256 instance already keyed and fed [`DOMAIN`]. The secret
/// itself is not kept; the keyed state is cloned for each token.
#[derive(Clone)]
struct Key(Hmac<Sha256>);

impl Key {
    fn new(id: u8, secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::SecretTooShort {
                id,
                len: secret.len(),
            });
        }
        if secret.iter().all(|b| *b == secret[0]) {
            return Err(KeyError::SecretOneByteRepeated { id });
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC accepts keys of any length");
        Ok(Self(mac.chain_update(DOMAIN)))
    }

    fn tag(&self, signed: &[u8]) -> [u8; TAG_LEN] {
        let full = self.0.clone().chain_update(signed).finalize().into_bytes();
        let mut tag = [0; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    /// Constant-time comparison of the left `TAG_LEN` bytes.
    fn verify(&self, signed: &[u8], tag: &[u8; TAG_LEN]) -> bool {
        self.0
            .clone()
            .chain_update(signed)
            .verify_truncated_left(tag)
            .is_ok()
    }
}

/// A set of signing keys, each with an id (`0..=255`) that every token carries. The
/// active key mints; every key verifies.
///
/// Rotation without breaking tokens already handed out:
/// 1. add the new key everywhere, still inactive (`1:old,2:new`);
/// 2. once every process holds it, make it active (`*2:new,1:old` or [`rotate_to`]);
/// 3. once tokens signed with the old key have expired, retire it ([`retire`]).
///
/// `Debug` shows key ids only, never secrets.
///
/// [`rotate_to`]: KeyRing::rotate_to
/// [`retire`]: KeyRing::retire
#[derive(Clone)]
pub struct KeyRing {
    active: u8,
    keys: BTreeMap<u8, Key>,
}

impl KeyRing {
    /// A key ring holding one key, which is active. Secrets shorter than
    /// [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes are refused.
    pub fn new(id: u8, secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let key = Key::new(id, secret.as_ref())?;
        Ok(Self {
            active: id,
            keys: BTreeMap::from([(id, key)]),
        })
    }

    /// This key ring plus another key that verifies but does not mint.
    pub fn with_key(mut self, id: u8, secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        self.add_key(id, secret)?;
        Ok(self)
    }

    /// Adds a key that verifies but does not mint. A key id can be used only once.
    pub fn add_key(&mut self, id: u8, secret: impl AsRef<[u8]>) -> Result<(), KeyError> {
        if self.keys.contains_key(&id) {
            return Err(KeyError::DuplicateKeyId(id));
        }
        self.keys.insert(id, Key::new(id, secret.as_ref())?);
        Ok(())
    }

    /// Makes the key `id` the one that mints. The previous key keeps verifying.
    pub fn rotate_to(&mut self, id: u8) -> Result<(), KeyError> {
        if !self.keys.contains_key(&id) {
            return Err(KeyError::UnknownKeyId(id));
        }
        self.active = id;
        Ok(())
    }

    /// Removes the key `id`; tokens it signed stop verifying ([`TokenError::UnknownKey`]).
    pub fn retire(&mut self, id: u8) -> Result<(), KeyError> {
        if id == self.active {
            return Err(KeyError::RetireActive(id));
        }
        self.keys
            .remove(&id)
            .map(drop)
            .ok_or(KeyError::UnknownKeyId(id))
    }

    /// A key ring with one random 32-byte key, id 0, from the thread-local CSPRNG. Tokens it
    /// mints verify only in this process and only until it exits: for tests and single-process
    /// use (`baton serve` with the embedded store), never for a fleet.
    pub fn generate() -> Self {
        let mut secret = [0u8; 32];
        fill_secure(&mut secret);
        Self::new(0, secret).expect("32 bytes is long enough")
    }

    /// The id of the key that mints.
    pub fn active_key_id(&self) -> u8 {
        self.active
    }

    /// The ids of all keys held, ascending.
    pub fn key_ids(&self) -> impl Iterator<Item = u8> + '_ {
        self.keys.keys().copied()
    }

    /// Whether the key `id` is held.
    pub fn contains(&self, id: u8) -> bool {
        self.keys.contains_key(&id)
    }

    /// Mints a token for `claims` with the active key and a random nonce.
    ///
    /// Fails only with [`TokenError::InvalidClaim`], when a claim is empty or too long.
    pub fn mint(&self, claims: &TaskClaims) -> Result<String, TokenError> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_secure(&mut nonce);
        self.mint_with_nonce(claims, nonce)
    }

    /// Mints a token with a given nonce: a pure function of its arguments. Callers must not
    /// reuse a nonce for the same claims if they want distinct tokens.
    pub fn mint_with_nonce(
        &self,
        claims: &TaskClaims,
        nonce: [u8; NONCE_LEN],
    ) -> Result<String, TokenError> {
        let signed = token::signed_bytes(claims, self.active, nonce)?;
        let tag = self.active_key().tag(&signed);
        Ok(token::encode(&signed, &tag))
    }

    /// Checks a token's form and tag and returns its claims.
    ///
    /// Never panics, whatever `text` is; text longer than
    /// [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) is refused before it is decoded. The tag is
    /// compared in constant time. The layout is parsed before the tag is checked, which is
    /// safe (every read is bounds-checked) and lets logs tell garbage from forgery.
    pub fn verify(&self, text: &str) -> Result<TaskToken, TokenError> {
        let unverified = token::decode(text)?;
        let key_id = unverified.token.key_id();
        let key = self
            .keys
            .get(&key_id)
            .ok_or(TokenError::UnknownKey(key_id))?;
        if key.verify(&unverified.signed, &unverified.tag) {
            Ok(unverified.token)
        } else {
            Err(TokenError::BadSignature)
        }
    }

    fn active_key(&self) -> &Key {
        // Invariant: `active` is always a key of `keys` (new, rotate_to and retire keep it).
        &self.keys[&self.active]
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Fills `buf` from the thread-local generator, which must be a CSPRNG (checked here at
/// compile time: `rand::rngs::ThreadRng` is ChaCha seeded from the OS).
fn fill_secure(buf: &mut [u8]) {
    fn csprng<R: CryptoRng>(rng: R) -> R {
        rng
    }
    csprng(rand::rng()).fill_bytes(buf);
}
