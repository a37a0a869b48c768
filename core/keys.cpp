#include "core/keys.h"

#include <sodium.h>

#include <cassert>
#include <cstring>

#include "core/hashing.h"

namespace tc {

static_assert(crypto_sign_SEEDBYTES == SecretSeed::kSize);
static_assert(crypto_sign_PUBLICKEYBYTES == Pubkey::kSize);
static_assert(crypto_sign_BYTES == Signature::kSize);

namespace {

// sodium_init() selects implementations and sets up the CSPRNG; libsodium asks for it before any
// other call. Runs once per process (thread-safe static); false when it failed.
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

Result<KeyPair> KeyPair::generate() {
  if (!sodium_ready()) return unavailable("libsodium failed to initialise");
  SecretSeed seed;
  randombytes_buf(seed.data(), seed.size());
  KeyPair key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

KeyPair KeyPair::from_seed(const SecretSeed& seed) {
  // Derivation uses no randomness, so it is correct even where initialisation failed.
  static_cast<void>(sodium_ready());
  KeyPair key;
  key.seed_ = seed;
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(key.pubkey_.data(), secret_key, seed.data());
  sodium_memzero(secret_key, sizeof(secret_key));
  return key;
}

KeyPair::~KeyPair() {
  sodium_memzero(seed_.data(), seed_.size());
}

Signature sign(const KeyPair& key, ByteSpan message) {
  static_cast<void>(sodium_ready());  // as in from_seed: signing is deterministic
  // libsodium's secret key is seed ‖ pubkey.
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  std::memcpy(secret_key, key.seed().data(), SecretSeed::kSize);
  std::memcpy(secret_key + SecretSeed::kSize, key.pubkey().data(), Pubkey::kSize);
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key);
  sodium_memzero(secret_key, sizeof(secret_key));
  return sig;
}

void secure_zero(MutableByteSpan bytes) {
  sodium_memzero(bytes.data(), bytes.size());
}

void sign_transaction(const KeyPair& key, Transaction* tx) {
  assert(tx != nullptr);
  for (TxInput& input : tx->inputs) input.pubkey = key.pubkey();
  const Hash256 digest = sighash(*tx, tx->chain_id);
  const Signature sig = sign(key, digest.span());
  for (TxInput& input : tx->inputs) input.sig = sig;
}

void sign_possession(const KeyPair& consensus_key, Transaction* tx) {
  assert(tx != nullptr);
  tx->registration.consensus_pubkey = consensus_key.pubkey();
  const Hash256 digest = possession_hash(*tx, tx->chain_id);
  tx->registration.possession_sig = sign(consensus_key, digest.span());
}

}  // namespace tc
