// Commit certificates and equivocation evidence: building them from verified votes, and checking
// them with nothing but the validator set and a signature verifier.
//
// A commit certificate (core/types.h CommitCertificate) is the set of precommits of > 2/3 of the
// voting power for (height, round, block_hash); each signature is over vote_digest(precommit) of
// consensus/messages.h. Block sync, light clients and the simulator's invariant checker call
// verify_certificate; the engine calls make_certificate when it commits. Pure functions; any thread
// that owns the verifier it passes.
#pragma once

#include <cstdint>
#include <span>

#include "consensus/crypto.h"
#include "consensus/messages.h"
#include "consensus/validator_set.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::consensus {

// Builds the certificate from precommits for block_hash at (height, round), in the given order.
// REQUIRES: every vote is a verified precommit for (height, round, block_hash).
CommitCertificate make_certificate(std::uint64_t height, std::uint32_t round,
                                   const Hash256& block_hash, std::span<const Vote> precommits,
                                   const ValidatorSet& set);

// Checks a certificate for `expected_height` and `expected_hash`: version, height, hash, every
// signer a member of `set` at most once, the signers' power a quorum under `rule` (is_quorum unless
// a test injects another), and every signature valid (one verify_batch call). Errors name the
// cause: kInvalidArgument for a wrong height/hash, unknown or repeated signer or too little power,
// kCorruption for a bad signature (with the signer's index in the set).
Status verify_certificate(const CommitCertificate& certificate, std::uint32_t chain_id,
                          std::uint64_t expected_height, const Hash256& expected_hash,
                          const ValidatorSet& set, SignatureVerifier& verifier,
                          QuorumRule rule = is_quorum);

// Checks that evidence proves equivocation: a member of `set`, a signing step, two different
// (hash, pol_round) pairs, and both signatures valid for their messages.
Status verify_evidence(const Evidence& evidence, std::uint32_t chain_id, const ValidatorSet& set,
                       SignatureVerifier& verifier);

}  // namespace tc::consensus
