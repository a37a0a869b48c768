#include "core/hashing.h"

#include <cassert>
#include <cstring>
#include <vector>

#include "core/sha2.h"

namespace tc {

namespace {

// Feeds the body (sigs left out) or the whole encoding of an owned transaction into a Sha256, piece
// by piece through a stack buffer, so the owned hashes need no heap encoding. The bytes fed are
// exactly those of encode(), which the view forms hash in place.
enum class Coverage { kBody, kWhole };

void hash_owned(const Transaction& tx, Coverage coverage, Sha256* sha) {
  std::uint8_t buffer[512];
  std::size_t used = 0;
  auto flush_for = [&](std::size_t n) {
    if (used + n > sizeof(buffer)) {
      sha->update(ByteSpan(buffer, used));
      used = 0;
    }
  };
  encode_transaction_header(tx, buffer);
  used = kTransactionHeaderBytes;
  const std::size_t input_hashed = coverage == Coverage::kBody ? kInputBodyBytes : kInputBytes;
  for (const TxInput& input : tx.inputs) {
    flush_for(kInputBytes);
    encode_input(input, buffer + used);  // the sig lands past input_hashed and is overwritten
    used += input_hashed;
  }
  for (const TxOutput& output : tx.outputs) {
    flush_for(kOutputBytes);
    encode_output(output, buffer + used);
    used += kOutputBytes;
  }
  flush_for(kMaxPayloadBytes);
  used += encode_payload(tx, buffer + used);
  sha->update(ByteSpan(buffer, used));
}

void hash_view_body(const TransactionView& tx, Sha256* sha) {
  sha->update(tx.header());
  for (std::size_t i = 0; i < tx.input_count(); ++i) sha->update(tx.input(i).body());
  sha->update(tx.outputs_and_payload());
}

void start_sighash(std::uint32_t chain_id, Sha256* sha) {
  std::uint8_t prefix[kSighashTag.size() + 4];
  std::memcpy(prefix, kSighashTag.data(), kSighashTag.size());
  store_u32_le(prefix + kSighashTag.size(), chain_id);
  sha->update(ByteSpan(prefix, sizeof(prefix)));
}

}  // namespace

Hash256 txid(const Transaction& tx) {
  Sha256 sha;
  hash_owned(tx, Coverage::kBody, &sha);
  return sha.finish();
}

Hash256 txid(const TransactionView& tx) {
  Sha256 sha;
  hash_view_body(tx, &sha);
  return sha.finish();
}

Hash256 wire_hash(const Transaction& tx) {
  Sha256 sha;
  hash_owned(tx, Coverage::kWhole, &sha);
  return sha.finish();
}

Hash256 wire_hash(const TransactionView& tx) {
  return sha256(tx.bytes());
}

Hash256 sighash(const Transaction& tx, std::uint32_t chain_id) {
  Sha256 sha;
  start_sighash(chain_id, &sha);
  hash_owned(tx, Coverage::kBody, &sha);
  return sha.finish();
}

Hash256 sighash(const TransactionView& tx, std::uint32_t chain_id) {
  Sha256 sha;
  start_sighash(chain_id, &sha);
  hash_view_body(tx, &sha);
  return sha.finish();
}

namespace {

Hash256 possession_hash_of(std::uint32_t chain_id, ByteSpan input_outpoint, ByteSpan signed_part) {
  std::uint8_t prefix[kPossessionTag.size() + 4];
  std::memcpy(prefix, kPossessionTag.data(), kPossessionTag.size());
  store_u32_le(prefix + kPossessionTag.size(), chain_id);
  Sha256 sha;
  sha.update(ByteSpan(prefix, sizeof(prefix)));
  sha.update(input_outpoint);
  sha.update(signed_part);
  return sha.finish();
}

}  // namespace

Hash256 possession_hash(const Transaction& tx, std::uint32_t chain_id) {
  assert(tx.kind == TxKind::kMasternodeRegistration && !tx.inputs.empty());
  std::uint8_t input[kInputBytes];
  encode_input(tx.inputs[0], input);
  std::uint8_t payload[kRegistrationPayloadBytes];
  encode_payload(tx, payload);
  return possession_hash_of(chain_id, ByteSpan(input, kInputPubkeyOffset),
                            ByteSpan(payload, kRegistrationSignedBytes));
}

Hash256 possession_hash(const TransactionView& tx, std::uint32_t chain_id) {
  assert(tx.kind() == TxKind::kMasternodeRegistration && tx.input_count() > 0);
  return possession_hash_of(chain_id, ByteSpan(tx.input(0).data(), kInputPubkeyOffset),
                            tx.payload().first(kRegistrationSignedBytes));
}

Hash256 merkle_root(std::span<const Hash256> txids) {
  if (txids.empty()) return sha256(ByteSpan());
  // Left to right, keep the roots of the complete subtrees seen so far (a binary counter: heights
  // strictly decrease up the stack) and merge equal heights. Folding what remains from the right
  // gives the RFC 6962 split at the largest power of two, since each stacked subtree is exactly the
  // left part of such a split.
  struct Subtree {
    Hash256 hash;
    unsigned height;
  };
  Subtree stack[65];
  std::size_t depth = 0;
  std::uint8_t node[1 + 2 * 32];
  auto hash_node = [&node](const Hash256& left, const Hash256& right) {
    node[0] = 0x01;
    std::memcpy(node + 1, left.data(), 32);
    std::memcpy(node + 33, right.data(), 32);
    return sha256(ByteSpan(node, sizeof(node)));
  };
  for (const Hash256& id : txids) {
    std::uint8_t leaf[1 + 32];
    leaf[0] = 0x00;
    std::memcpy(leaf + 1, id.data(), 32);
    Subtree current{sha256(ByteSpan(leaf, sizeof(leaf))), 0};
    while (depth > 0 && stack[depth - 1].height == current.height) {
      current = Subtree{hash_node(stack[depth - 1].hash, current.hash), current.height + 1};
      --depth;
    }
    assert(depth < 65);
    stack[depth++] = current;
  }
  Hash256 root = stack[--depth].hash;
  while (depth > 0) root = hash_node(stack[--depth].hash, root);
  return root;
}

BlockRoots block_roots(std::span<const Transaction> transactions) {
  std::vector<Hash256> txids;
  std::vector<Hash256> wire_hashes;
  txids.reserve(transactions.size());
  wire_hashes.reserve(transactions.size());
  for (const Transaction& tx : transactions) {
    txids.push_back(txid(tx));
    wire_hashes.push_back(wire_hash(tx));
  }
  return BlockRoots{merkle_root(txids), merkle_root(wire_hashes)};
}

Hash256 block_hash(const BlockHeader& header) {
  const auto bytes = encode_block_header(header);
  return sha256(ByteSpan(bytes.data(), bytes.size()));
}

Hash256 block_hash(const BlockView& block) {
  return sha256(block.header_bytes());
}

PubkeyHash pubkey_hash(const Pubkey& pubkey) {
  const Hash256 digest = sha256(pubkey.span());
  return PubkeyHash::from_span(digest.span());
}

}  // namespace tc
