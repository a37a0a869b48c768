// Test support for tests/net: one message of every p2p.proto type, filled with real canonical
// bytes (signed transfers, a block with its roots, a certificate and a vote signed over
// vote_digest, a proposal from consensus::encode_proposal), and the consensus checks node/ hands
// net/. Header-only; included by the net tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/sha2.h"
#include "net/frame.h"

namespace tc::net::samples {

inline constexpr ConsensusCodec kConsensusCodec{&consensus::check_vote_encoding,
                                                &consensus::check_proposal_encoding};

inline std::string as_string(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

inline KeyPair key(std::uint8_t n) {
  SecretSeed seed;
  seed.bytes.fill(n);
  return KeyPair::from_seed(seed);
}

inline Transaction signed_transfer(const KeyPair& owner, std::uint32_t n) {
  Transaction tx;
  tx.chain_id = kChainIdTestnet;
  tx.inputs.push_back(
      TxInput{OutPoint{sha256(ByteSpan(reinterpret_cast<std::uint8_t*>(&n), 4)), n}, {}, {}});
  for (std::uint32_t i = 0; i < 3; ++i) {
    tx.outputs.push_back(TxOutput{Amount(1'000'000 + n), pubkey_hash(key(7).pubkey())});
  }
  sign_transaction(owner, &tx);
  return tx;
}

inline Block sample_block(std::uint64_t height, std::uint32_t transfers) {
  Block block;
  block.header.chain_id = kChainIdTestnet;
  block.header.height = height;
  block.header.timestamp_ms = 1'700'000'000'000 + height;
  block.header.proposer = key(1).pubkey();
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = kChainIdTestnet;
  coinbase.coinbase_height = height;
  coinbase.outputs.push_back(TxOutput{Amount(50'000'000), pubkey_hash(key(1).pubkey())});
  block.transactions.push_back(coinbase);
  for (std::uint32_t i = 0; i < transfers; ++i) {
    block.transactions.push_back(signed_transfer(key(2 + i % 4), i));
  }
  block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
  const BlockRoots roots = block_roots(block.transactions);
  block.header.tx_root = roots.tx_root;
  block.header.wtx_root = roots.wtx_root;
  return block;
}

inline CommitCertificate sample_certificate(const Block& block) {
  CommitCertificate certificate;
  certificate.height = block.header.height;
  certificate.block_hash = block_hash(block.header);
  const Hash256 digest =
      consensus::vote_digest(kChainIdTestnet, certificate.height, 0,
                             consensus::VoteType::kPrecommit, certificate.block_hash);
  for (std::uint8_t v = 1; v <= 3; ++v) {
    certificate.signatures.push_back(CommitSignature{key(v).pubkey(), sign(key(v), digest.span())});
  }
  return certificate;
}

inline Bytes encoded_vote() {
  consensus::Vote vote;
  vote.height = 5;
  vote.round = 1;
  vote.type = consensus::VoteType::kPrecommit;
  vote.validator_index = 2;
  vote.block_hash = block_hash(sample_block(5, 1).header);
  vote.sig = sign(key(3), consensus::vote_digest(kChainIdTestnet, vote).span());
  Bytes bytes;
  consensus::encode_vote(vote, bytes);
  return bytes;
}

inline Bytes encoded_proposal() {
  const Block block = sample_block(6, 8);
  consensus::Proposal proposal;
  proposal.height = 6;
  proposal.block_hash = block_hash(block.header);
  encode(block, &proposal.payload);
  proposal.sig = sign(key(1), consensus::proposal_digest(kChainIdTestnet, proposal).span());
  Bytes bytes;
  consensus::encode_proposal(proposal, bytes);
  return bytes;
}

template <typename T>
inline std::string encoded_string(const T& value) {
  Bytes bytes;
  encode(value, &bytes);
  return as_string(bytes);
}

// One message of every type, filled with real canonical bytes.
inline std::vector<std::pair<MessageType, std::unique_ptr<google::protobuf::MessageLite>>>
every_message() {
  std::vector<std::pair<MessageType, std::unique_ptr<google::protobuf::MessageLite>>> all;
  auto add = [&](auto message) {
    using Message = decltype(message);
    all.emplace_back(kMessageTypeOf<Message>, std::make_unique<Message>(std::move(message)));
  };
  proto::Hello hello;
  hello.set_chain_id(kChainIdTestnet);
  hello.set_protocol_version(kFrameVersion);
  hello.set_node_pubkey(std::string(32, '\x11'));
  hello.set_nonce(std::string(32, '\x22'));
  hello.set_listen_port(9333);
  add(hello);
  proto::HelloAuth auth;
  auth.set_signature(std::string(64, '\x33'));
  add(auth);
  proto::ProposalMessage proposal;
  proposal.set_proposal(as_string(encoded_proposal()));
  add(proposal);
  proto::VoteMessage vote;
  vote.set_vote(as_string(encoded_vote()));
  add(vote);
  const Block block = sample_block(9, 20);
  proto::CommitCertificateMessage certificate;
  certificate.set_certificate(encoded_string(sample_certificate(block)));
  add(certificate);
  proto::TransactionBatch batch;
  for (std::uint32_t i = 0; i < 16; ++i) {
    batch.add_transactions(encoded_string(signed_transfer(key(2 + i % 4), 100 + i)));
  }
  add(batch);
  proto::BlockRangeRequest request;
  request.set_start_height(9);
  request.set_count(2);
  request.set_request_id(77);
  add(request);
  proto::BlockRangeResponse response;
  response.set_request_id(77);
  proto::BlockEntry* full = response.add_blocks();
  full->set_block(encoded_string(block));
  full->set_certificate(encoded_string(sample_certificate(block)));
  const Block next = sample_block(10, 0);
  proto::BlockEntry* header_only = response.add_blocks();
  const auto header_bytes = encode_block_header(next.header);
  header_only->set_header(std::string(header_bytes.begin(), header_bytes.end()));
  header_only->set_certificate(encoded_string(sample_certificate(next)));
  add(response);
  proto::SnapshotChunkRequest chunk_request;
  chunk_request.set_height(100);
  chunk_request.set_content_hash(std::string(32, '\x44'));
  chunk_request.set_chunk_index(3);
  add(chunk_request);
  proto::SnapshotChunkResponse chunk;
  chunk.set_height(100);
  chunk.set_content_hash(std::string(32, '\x44'));
  chunk.set_chunk_index(3);
  chunk.set_chunk_count(4);
  chunk.set_snapshot_bytes(1 << 20);
  chunk.set_data(std::string(4096, '\x05'));
  add(chunk);
  proto::PeerExchange peers;
  proto::PeerAddress* peer = peers.add_peers();
  peer->set_node_pubkey(std::string(32, '\x55'));
  peer->set_address(std::string(16, '\x00'));
  peer->set_port(9333);
  add(peers);
  proto::Ping ping;
  ping.set_nonce(0x0102030405060708);
  add(ping);
  proto::Pong pong;
  pong.set_nonce(0x0102030405060708);
  add(pong);
  proto::Disconnect disconnect;
  disconnect.set_reason(proto::DISCONNECT_WRONG_CHAIN);
  disconnect.set_detail("chain 2, expected 1");
  add(disconnect);
  proto::TipStatus tip;
  tip.set_height(812);
  tip.set_block_hash(std::string(32, '\x66'));
  add(tip);
  return all;
}

}  // namespace tc::net::samples
