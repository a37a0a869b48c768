#include "consensus/certificate.h"

#include <string>
#include <vector>

namespace tc::consensus {

CommitCertificate make_certificate(std::uint64_t height, std::uint32_t round,
                                   const Hash256& block_hash, std::span<const Vote> precommits,
                                   const ValidatorSet& set) {
  CommitCertificate certificate;
  certificate.height = height;
  certificate.round = round;
  certificate.block_hash = block_hash;
  certificate.signatures.reserve(precommits.size());
  for (const Vote& vote : precommits) {
    certificate.signatures.push_back(
        CommitSignature{set.validator(vote.validator_index).pubkey, vote.sig});
  }
  return certificate;
}

Status verify_certificate(const CommitCertificate& certificate, std::uint32_t chain_id,
                          std::uint64_t expected_height, const Hash256& expected_hash,
                          const ValidatorSet& set, SignatureVerifier& verifier, QuorumRule rule) {
  const std::string where = "certificate for height " + std::to_string(expected_height);
  if (certificate.height != expected_height) {
    return invalid_argument(where + ": names height " + std::to_string(certificate.height));
  }
  if (certificate.block_hash != expected_hash) {
    return invalid_argument(where + ": block hash " + to_hex(certificate.block_hash) +
                            " is not the block's " + to_hex(expected_hash));
  }
  const Hash256 digest = vote_digest(chain_id, certificate.height, certificate.round,
                                     VoteType::kPrecommit, certificate.block_hash);
  std::vector<std::uint8_t> seen(set.size(), 0);
  std::vector<SignedDigest> items;
  std::vector<std::uint32_t> signers;
  items.reserve(certificate.signatures.size());
  std::uint64_t power = 0;
  for (const CommitSignature& signature : certificate.signatures) {
    const std::optional<std::uint32_t> index = set.index_of(signature.validator);
    if (!index.has_value()) {
      return invalid_argument(where + ": signer " + to_hex(signature.validator) +
                              " is not a validator");
    }
    if (seen[*index] != 0) {
      return invalid_argument(where + ": validator " + std::to_string(*index) + " signs twice");
    }
    seen[*index] = 1;
    power += set.power(*index);
    items.push_back(SignedDigest{signature.validator, digest, signature.sig});
    signers.push_back(*index);
  }
  if (!rule(power, set.total_power())) {
    return invalid_argument(where + ": signers hold " + std::to_string(power) + " of " +
                            std::to_string(set.total_power()) + " voting power, not > 2/3");
  }
  std::vector<std::uint8_t> valid(items.size(), 0);
  verifier.verify_batch(items, valid);
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] == 0) {
      return corruption(where + ": bad precommit signature of validator " +
                        std::to_string(signers[i]));
    }
  }
  return Status::ok();
}

Status verify_evidence(const Evidence& evidence, std::uint32_t chain_id, const ValidatorSet& set,
                       SignatureVerifier& verifier) {
  const std::string where =
      "evidence against validator " + std::to_string(evidence.validator_index) + " at height " +
      std::to_string(evidence.height) + " round " + std::to_string(evidence.round);
  if (evidence.validator_index >= set.size()) return invalid_argument(where + ": not a validator");
  if (evidence.hash_a == evidence.hash_b && evidence.pol_round_a == evidence.pol_round_b) {
    return invalid_argument(where + ": the two messages do not conflict");
  }
  Hash256 digest_a;
  Hash256 digest_b;
  switch (evidence.step) {
    case SignStep::kProposal:
      digest_a = proposal_digest(chain_id, evidence.height, evidence.round, evidence.pol_round_a,
                                 evidence.hash_a);
      digest_b = proposal_digest(chain_id, evidence.height, evidence.round, evidence.pol_round_b,
                                 evidence.hash_b);
      break;
    case SignStep::kPrevote:
    case SignStep::kPrecommit: {
      if (evidence.hash_a == evidence.hash_b) {
        return invalid_argument(where + ": votes for the same block do not conflict");
      }
      const VoteType type =
          evidence.step == SignStep::kPrevote ? VoteType::kPrevote : VoteType::kPrecommit;
      digest_a = vote_digest(chain_id, evidence.height, evidence.round, type, evidence.hash_a);
      digest_b = vote_digest(chain_id, evidence.height, evidence.round, type, evidence.hash_b);
      break;
    }
    case SignStep::kNone:
      return invalid_argument(where + ": no signing step");
  }
  const Pubkey& key = set.validator(evidence.validator_index).pubkey;
  const SignedDigest items[2] = {{key, digest_a, evidence.sig_a}, {key, digest_b, evidence.sig_b}};
  std::uint8_t valid[2] = {0, 0};
  verifier.verify_batch(items, valid);
  if (valid[0] == 0 || valid[1] == 0) return corruption(where + ": a signature does not verify");
  return Status::ok();
}

}  // namespace tc::consensus
