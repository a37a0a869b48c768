// The published Ed25519 vectors of ../shared/testdata/ed25519/ (provenance in that folder's
// README.md) as cases with the verdict each must get under ZIP-215, for timecoin-gpu-check.
//
// Where the verdicts come from (the same sources as tests/gpu/ed25519_vectors_test.cpp): RFC 8032
// 7.1 and Wycheproof (v1 and legacy) take the model_zip215 column of
// derived/ed25519_verdicts.tsv, speccheck the expected.zip215 field of
// speccheck_cases_annotated.json, and every SUPERCOP sign.input line is valid. Each suite also
// carries the case and accept counts the README and the vector test state, so a truncated or
// edited file shows up as a count mismatch. Loading allocates freely (test tooling, not a hot
// path); the results are plain values; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tc::gpu::test {

// One published case. Lengths are as published: Wycheproof has signatures that are not 64 bytes.
struct VectorCase {
  std::string name;  // "<suite> <id>", e.g. "wycheproof_v1 tcId 151", "supercop line 33"
  std::vector<std::uint8_t> pubkey, sig, msg;
  bool expect_accept = false;
  // The signer's 32-byte seed where the suite publishes it (RFC 8032, SUPERCOP); empty elsewhere.
  std::vector<std::uint8_t> seed;
};

struct VectorSuite {
  const char* name;              // rfc8032, supercop, wycheproof_v1, wycheproof_legacy, speccheck
  const char* file;              // relative to the vector folder
  std::size_t cases_published;   // the count the README gives
  std::size_t accept_published;  // cases ZIP-215 accepts, as the vector test asserts
  std::vector<VectorCase> cases;
};

// Loads every suite from dir (the ed25519 folder of the shared test data), in the order above.
// Returns false with *error naming the file (and line or JSON offset) when a file cannot be read,
// is malformed, or has a case without a verdict row; counts are not checked here (the caller
// compares them with cases_published and accept_published and reports).
bool load_ed25519_vectors(const std::string& dir, std::vector<VectorSuite>* suites,
                          std::string* error);

}  // namespace tc::gpu::test
