// Ed25519 signing keys (RFC 8032, through libsodium): key generation, deterministic derivation from
// a 32-byte seed, signing, and signing every input of a transaction with its sighash.
//
// Wallet tools, test fixtures and devnet setup sign here; nothing on the validator's hot path does,
// and signature verification belongs to the batch verifier (gpu/), not to this file. A KeyPair
// wipes its secret seed when destroyed. All functions are thread-safe; a KeyPair is a plain value
// that one thread owns at a time.
#pragma once

#include "core/bytes.h"
#include "core/status.h"
#include "core/types.h"

namespace tc {

// The RFC 8032 private key: 32 secret bytes from which the signing scalar and the pubkey derive.
using SecretSeed = FixedBytes<32>;

// An Ed25519 key pair. Invariant: pubkey() is the public key of seed(). Copies are independent and
// each wipes its own seed (sodium_memzero) on destruction; a SecretSeed the caller copies out is
// the caller's to wipe.
class KeyPair {
 public:
  // A fresh key from libsodium's CSPRNG. Error: kUnavailable when libsodium fails to initialise
  // (no usable randomness source on this machine).
  static Result<KeyPair> generate();
  // The key RFC 8032 derives from `seed`; the same seed always gives the same key (tests, devnet
  // validator keys, key files).
  static KeyPair from_seed(const SecretSeed& seed);

  KeyPair(const KeyPair& other) = default;
  KeyPair& operator=(const KeyPair& other) = default;
  ~KeyPair();

  const Pubkey& pubkey() const { return pubkey_; }
  const SecretSeed& seed() const { return seed_; }

 private:
  KeyPair() = default;

  SecretSeed seed_;
  Pubkey pubkey_;
};

// The deterministic RFC 8032 Ed25519 signature (R ‖ S) of `message` by `key`. Allocates nothing;
// the expanded secret key lives on the stack for the call and is wiped before return.
Signature sign(const KeyPair& key, ByteSpan message);

// Overwrites `bytes` with zeros in a way the compiler may not remove as a dead store
// (sodium_memzero). For buffers that held secret material: seeds, their hex, key file text.
void secure_zero(MutableByteSpan bytes);

// Signs a transaction for its own chain as its single owner: sets every input's pubkey to
// key.pubkey() (the body and so the sighash cover the pubkeys), computes
// sighash(*tx, tx->chain_id) once and writes sign(key, sighash) into every input's sig. Every other
// field must be final before the call; changing any afterwards invalidates the signatures. Checks
// nothing about the inputs (that the key owns them is a ledger rule). REQUIRES: tx != nullptr.
void sign_transaction(const KeyPair& key, Transaction* tx);

// Proves possession of a masternode's consensus key: sets tx->registration.consensus_pubkey to
// consensus_key.pubkey() and writes sign(consensus_key, possession_hash(*tx, tx->chain_id)) into
// its possession_sig. The payload and input 0's outpoint must be final; call it before
// sign_transaction, whose sighash covers the proof. REQUIRES: tx is a registration with an input.
void sign_possession(const KeyPair& consensus_key, Transaction* tx);

}  // namespace tc
