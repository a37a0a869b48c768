// P2P frame compression (net/frame.h): how many bytes igzip saves on real block and transaction
// traffic and what it costs in CPU, against zlib on the same bytes in the same run.
//
// Corpora, each one p2p.proto message built from the real codec:
//   - batch/loadgen: a TransactionBatch of 512 signed transfers exactly as timecoin-loadgen makes
//     them (dataplane TxGenerator defaults: 16 keys, every input spending an output of one funding
//     transaction, 1 input and 3 outputs, 252 bytes each). Keys and prev txids repeat: the best
//     case for compression.
//   - batch/distinct: 512 signed transfers of the same shape where every input has its own key and
//     spends a different transaction, and every output pays a different key, as on a busy network.
//   - block/loadgen, block/distinct: a BlockRangeResponse entry with one block of 2,000 such
//     transfers plus its coinbase, and a commit certificate of 7 precommit signatures.
//   - headers: a headers-only BlockRangeResponse of 256 consecutive headers, each with its
//     7-signature certificate (block sync's first pass).
// Benchmarks per corpus (bytes/s are of the uncompressed message):
//   - frame/plain: FrameEncoder with compression off (serialize, CRC32C);
//   - frame/igzip: FrameEncoder as shipped (serialize, igzip level 1, CRC32C); igzip's own cost is
//     the difference;
//   - baseline/zlib-1, baseline/zlib-6: zlib raw DEFLATE at levels 1 and 6 (zlib's default) of the
//     serialized message, compression alone;
//   - decode/igzip, decode/plain: FrameDecoder on those frames (inflate, parse, canonical checks);
//   - baseline/inflate-zlib-6: zlib inflate of the level-6 stream, alone.
// After the runs main prints, per corpus, the payload size each codec reaches (bandwidth saved)
// and the compression and decompression CPU time per MiB as ratios to zlib's. Absolute times on a
// shared machine are context only; --benchmark_repetitions=N makes the ratios use medians.
//
// The threshold sweep (benchmarks named sweep/...) asks where compression starts to pay, by frame
// size: TransactionBatches of 1 to 512 transfers (distinct and loadgen) and BlockRangeResponses of
// one block of 0 to 2,000 distinct transfers. Per message it measures FrameEncoder and
// FrameDecoder with compression off (serialize + CRC32C; CRC32C + parse + canonical checks), and
// igzip levels 0 and 1 alone (deflate of the serialized message into a reused state, as the
// encoder does; inflate of that stream). A sending side then spends plain encode + deflate per
// frame and a receiving side plain decode + inflate, each on its own core. Compression raises a
// connection's throughput exactly when the link is slower than what the slower side can handle
// compressed: below that rate the plain frames are link-bound while the compressed ones move up
// to 1 / (1 - saved) times as many messages; above it the compressed ones are CPU-bound at a lower
// rate than the link gives the plain ones. main prints that break-even link rate per message and
// level, with the bytes saved.
#include <benchmark/benchmark.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/ratio_reporter.h"
#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/sha2.h"
#include "dataplane/loadgen/tx_generator.h"
#include "net/frame.h"

namespace {

using tc::Bytes;
using tc::net::FrameDecoder;
using tc::net::FrameEncoder;
using tc::net::FrameLimits;

constexpr tc::net::ConsensusCodec kConsensusCodec{&tc::consensus::check_vote_encoding,
                                                  &tc::consensus::check_proposal_encoding};
constexpr std::uint32_t kBatchTransfers = 512;
constexpr std::uint32_t kBlockTransfers = 2000;
constexpr std::uint32_t kHeaders = 256;
constexpr std::uint32_t kValidators = 7;

std::string as_string(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

tc::KeyPair numbered_key(std::uint32_t domain, std::uint32_t n) {
  std::uint8_t words[8];
  tc::store_u32_le(words, domain);
  tc::store_u32_le(words + 4, n);
  return tc::KeyPair::from_seed(tc::sha256(tc::ByteSpan(words, 8)));
}

// Transfer n of the loadgen stream: TxGenerator's defaults.
std::vector<Bytes> loadgen_transfers(std::uint32_t count) {
  tc::dataplane::TxGeneratorConfig config;
  config.funding_txid = tc::sha256(tc::ByteSpan());
  const tc::dataplane::TxGenerator generator(config);
  std::vector<Bytes> transfers;
  for (std::uint32_t n = 0; n < count; ++n) transfers.push_back(generator.transfer(n));
  return transfers;
}

// The same shape (1 input, 3 outputs, fee 100,000 sat) with nothing shared between transfers.
std::vector<Bytes> distinct_transfers(std::uint32_t count) {
  std::vector<Bytes> transfers;
  for (std::uint32_t n = 0; n < count; ++n) {
    const tc::KeyPair owner = numbered_key(1, n);
    tc::Transaction tx;
    tx.chain_id = tc::kChainIdDevnet;
    std::uint8_t seed[4];
    tc::store_u32_le(seed, n);
    tx.inputs.push_back(
        tc::TxInput{tc::OutPoint{tc::sha256(tc::ByteSpan(seed, 4)), n % 4}, {}, {}});
    for (std::uint32_t o = 0; o < 3; ++o) {
      tx.outputs.push_back(tc::TxOutput{tc::Amount(33'300'000 + n + o),
                                        tc::pubkey_hash(numbered_key(2, 3 * n + o).pubkey())});
    }
    tc::sign_transaction(owner, &tx);
    Bytes bytes;
    tc::encode(tx, &bytes);
    transfers.push_back(std::move(bytes));
  }
  return transfers;
}

tc::CommitCertificate certificate_for(const tc::BlockHeader& header) {
  tc::CommitCertificate certificate;
  certificate.height = header.height;
  certificate.block_hash = tc::block_hash(header);
  const tc::Hash256 digest =
      tc::consensus::vote_digest(header.chain_id, header.height, 0,
                                 tc::consensus::VoteType::kPrecommit, certificate.block_hash);
  for (std::uint32_t v = 0; v < kValidators; ++v) {
    const tc::KeyPair validator = numbered_key(3, v);
    certificate.signatures.push_back(
        tc::CommitSignature{validator.pubkey(), tc::sign(validator, digest.span())});
  }
  return certificate;
}

tc::Block block_of(const std::vector<Bytes>& transfers, std::uint64_t height,
                   const tc::Hash256& prev_hash) {
  tc::Block block;
  block.header.chain_id = tc::kChainIdDevnet;
  block.header.height = height;
  block.header.prev_hash = prev_hash;
  block.header.timestamp_ms = 1'760'000'000'000 + height * 1000;
  block.header.proposer = numbered_key(3, height % kValidators).pubkey();
  block.header.utxo_digest = tc::sha256(prev_hash.span());
  tc::Transaction coinbase;
  coinbase.kind = tc::TxKind::kCoinbase;
  coinbase.chain_id = tc::kChainIdDevnet;
  coinbase.coinbase_height = height;
  coinbase.outputs.push_back(
      tc::TxOutput{tc::Amount(50'000'000), tc::pubkey_hash(block.header.proposer)});
  block.transactions.push_back(coinbase);
  for (const Bytes& bytes : transfers) block.transactions.push_back(*tc::decode_transaction(bytes));
  block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
  const tc::BlockRoots roots = tc::block_roots(block.transactions);
  block.header.tx_root = roots.tx_root;
  block.header.wtx_root = roots.wtx_root;
  return block;
}

std::string batch_message(const std::vector<Bytes>& transfers) {
  tc::net::proto::TransactionBatch batch;
  for (const Bytes& tx : transfers) batch.add_transactions(as_string(tx));
  return batch.SerializeAsString();
}

std::string block_message(const std::vector<Bytes>& transfers) {
  const tc::Block block = block_of(transfers, 1000, tc::sha256(tc::ByteSpan()));
  tc::net::proto::BlockRangeResponse response;
  tc::net::proto::BlockEntry* entry = response.add_blocks();
  Bytes bytes;
  tc::encode(block, &bytes);
  entry->set_block(as_string(bytes));
  bytes.clear();
  tc::encode(certificate_for(block.header), &bytes);
  entry->set_certificate(as_string(bytes));
  return response.SerializeAsString();
}

std::string headers_message() {
  tc::net::proto::BlockRangeResponse response;
  tc::Hash256 prev = tc::sha256(tc::ByteSpan());
  for (std::uint32_t h = 0; h < kHeaders; ++h) {
    const tc::Block block = block_of(distinct_transfers(0), 5000 + h, prev);
    tc::BlockHeader header = block.header;
    header.tx_count = 2000;  // a header of a full block: roots differ, as they would
    header.tx_root = tc::sha256(header.prev_hash.span());
    header.wtx_root = tc::sha256(header.tx_root.span());
    tc::net::proto::BlockEntry* entry = response.add_blocks();
    const auto header_bytes = tc::encode_block_header(header);
    entry->set_header(std::string(header_bytes.begin(), header_bytes.end()));
    Bytes bytes;
    tc::encode(certificate_for(header), &bytes);
    entry->set_certificate(as_string(bytes));
    prev = tc::block_hash(header);
  }
  return response.SerializeAsString();
}

struct Corpus {
  std::string name;
  tc::net::MessageType type;
  std::string message;  // the serialized p2p.proto message
};

std::vector<Corpus>& corpora() {
  static std::vector<Corpus> all = [] {
    using tc::net::MessageType;
    std::vector<Corpus> c;
    c.push_back({"batch/loadgen", MessageType::kTransactionBatch,
                 batch_message(loadgen_transfers(kBatchTransfers))});
    c.push_back({"batch/distinct", MessageType::kTransactionBatch,
                 batch_message(distinct_transfers(kBatchTransfers))});
    c.push_back({"block/loadgen", MessageType::kBlockRangeResponse,
                 block_message(loadgen_transfers(kBlockTransfers))});
    c.push_back({"block/distinct", MessageType::kBlockRangeResponse,
                 block_message(distinct_transfers(kBlockTransfers))});
    c.push_back({"headers", MessageType::kBlockRangeResponse, headers_message()});
    return c;
  }();
  return all;
}

// The parsed message of a corpus, for FrameEncoder.
std::unique_ptr<google::protobuf::MessageLite> parsed(const Corpus& corpus) {
  std::unique_ptr<google::protobuf::MessageLite> message;
  if (corpus.type == tc::net::MessageType::kTransactionBatch) {
    message = std::make_unique<tc::net::proto::TransactionBatch>();
  } else {
    message = std::make_unique<tc::net::proto::BlockRangeResponse>();
  }
  if (!message->ParseFromString(corpus.message)) std::abort();
  return message;
}

FrameLimits limits(bool compress) {
  FrameLimits l;
  if (!compress) l.compression_threshold_bytes = tc::net::kMaxFrameMessageBytes;
  return l;
}

// Payload bytes each codec reached, by "<corpus>/<codec>".
std::map<std::string, std::size_t>& payload_bytes() {
  static std::map<std::string, std::size_t> sizes;
  return sizes;
}

void bm_frame_encode(benchmark::State& state, const Corpus& corpus, bool compress) {
  const auto message = parsed(corpus);
  FrameEncoder encoder(limits(compress));
  Bytes frame;
  for (auto _ : state) {
    frame.clear();
    if (!encoder.encode_message(corpus.type, *message, &frame).is_ok()) std::abort();
    benchmark::DoNotOptimize(frame.data());
  }
  payload_bytes()[corpus.name + (compress ? "/igzip" : "/plain")] = encoder.last_payload_bytes();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.message.size()));
}

void bm_frame_decode(benchmark::State& state, const Corpus& corpus, bool compress) {
  const auto message = parsed(corpus);
  FrameEncoder encoder(limits(compress));
  Bytes frame;
  if (!encoder.encode_message(corpus.type, *message, &frame).is_ok()) std::abort();
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  for (auto _ : state) {
    if (decoder.feed(frame) != frame.size()) std::abort();
    if (decoder.next() != tc::net::DecodeOutcome::kMessage) std::abort();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.message.size()));
}

// zlib raw DEFLATE (no zlib wrapper, as the frame's payload) of the serialized message.
std::size_t zlib_deflate(z_stream& stream, const std::string& message, Bytes& out) {
  deflateReset(&stream);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  stream.avail_in = static_cast<uInt>(message.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) std::abort();
  return stream.total_out;
}

void bm_zlib_deflate(benchmark::State& state, const Corpus& corpus, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  Bytes out(deflateBound(&stream, corpus.message.size()));
  std::size_t size = 0;
  for (auto _ : state) {
    size = zlib_deflate(stream, corpus.message, out);
    benchmark::DoNotOptimize(out.data());
  }
  deflateEnd(&stream);
  payload_bytes()[corpus.name + "/zlib-" + std::to_string(level)] = size;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.message.size()));
}

void bm_zlib_inflate(benchmark::State& state, const Corpus& corpus) {
  z_stream deflater{};
  if (deflateInit2(&deflater, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  Bytes compressed(deflateBound(&deflater, corpus.message.size()));
  compressed.resize(zlib_deflate(deflater, corpus.message, compressed));
  deflateEnd(&deflater);
  z_stream stream{};
  if (inflateInit2(&stream, -15) != Z_OK) std::abort();
  Bytes out(corpus.message.size());
  for (auto _ : state) {
    inflateReset(&stream);
    stream.next_in = compressed.data();
    stream.avail_in = static_cast<uInt>(compressed.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    if (inflate(&stream, Z_FINISH) != Z_STREAM_END) std::abort();
    benchmark::DoNotOptimize(out.data());
  }
  inflateEnd(&stream);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.message.size()));
}

// CPU nanoseconds per MiB of message for `name`, from its bytes/s, or a negative value when it did
// not run.
double ns_per_mib(const tc::bench::RatioReporter& reporter, const std::string& name) {
  const double bytes_per_second = reporter.counter(name, "bytes_per_second");
  return bytes_per_second <= 0 ? -1 : 1e9 * (1 << 20) / bytes_per_second;
}

double saved_percent(std::size_t payload, std::size_t message) {
  return 100.0 * (1.0 - static_cast<double>(payload) / static_cast<double>(message));
}

// ---- Threshold sweep ---------------------------------------------------------------------------

std::vector<Corpus>& sweep_corpora() {
  static std::vector<Corpus> all = [] {
    using tc::net::MessageType;
    std::vector<Corpus> c;
    const std::vector<Bytes> distinct = distinct_transfers(512);
    const std::vector<Bytes> loadgen = loadgen_transfers(512);
    for (const std::uint32_t n : {1u, 2u, 4u, 8u, 16u, 64u, 512u}) {
      c.push_back({"batch/distinct/" + std::to_string(n), MessageType::kTransactionBatch,
                   batch_message(std::vector<Bytes>(distinct.begin(), distinct.begin() + n))});
    }
    for (const std::uint32_t n : {1u, 4u, 16u, 64u, 512u}) {
      c.push_back({"batch/loadgen/" + std::to_string(n), MessageType::kTransactionBatch,
                   batch_message(std::vector<Bytes>(loadgen.begin(), loadgen.begin() + n))});
    }
    const std::vector<Bytes> block_transfers = distinct_transfers(kBlockTransfers);
    for (const std::uint32_t n : {0u, 8u, 64u, 2000u}) {
      c.push_back({"block/distinct/" + std::to_string(n), MessageType::kBlockRangeResponse,
                   block_message(
                       std::vector<Bytes>(block_transfers.begin(), block_transfers.begin() + n))});
    }
    return c;
  }();
  return all;
}

// igzip stateless deflate at one level with its state and level buffer allocated once, as
// FrameEncoder holds them.
class IgzipDeflater {
 public:
  explicit IgzipDeflater(int level)
      : level_(level),
        stream_(std::make_unique<isal_zstream>()),
        level_buffer_(std::make_unique<std::uint8_t[]>(level == 0 ? 1 : ISAL_DEF_LVL1_DEFAULT)) {}

  // Returns the compressed size; aborts when `out` is too small (callers size it generously).
  std::size_t deflate(const std::string& message, Bytes& out) {
    isal_zstream& stream = *stream_;
    isal_deflate_stateless_init(&stream);
    stream.level = static_cast<std::uint32_t>(level_);
    if (level_ > 0) {
      stream.level_buf = level_buffer_.get();
      stream.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    }
    stream.gzip_flag = IGZIP_DEFLATE;
    stream.end_of_stream = 1;
    stream.flush = NO_FLUSH;
    stream.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(message.data()));
    stream.avail_in = static_cast<std::uint32_t>(message.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<std::uint32_t>(out.size());
    if (isal_deflate_stateless(&stream) != COMP_OK) std::abort();
    return stream.total_out;
  }

 private:
  int level_;
  std::unique_ptr<isal_zstream> stream_;
  std::unique_ptr<std::uint8_t[]> level_buffer_;
};

void bm_igzip_deflate(benchmark::State& state, const Corpus& corpus, int level) {
  IgzipDeflater deflater(level);
  Bytes out(corpus.message.size() + 1024);
  std::size_t size = 0;
  for (auto _ : state) {
    size = deflater.deflate(corpus.message, out);
    benchmark::DoNotOptimize(out.data());
  }
  payload_bytes()[corpus.name + "/igzip-" + std::to_string(level)] = size;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.message.size()));
}

void bm_igzip_inflate(benchmark::State& state, const Corpus& corpus, int level) {
  IgzipDeflater deflater(level);
  Bytes compressed(corpus.message.size() + 1024);
  compressed.resize(deflater.deflate(corpus.message, compressed));
  auto inflater = std::make_unique<inflate_state>();
  Bytes out(corpus.message.size());
  for (auto _ : state) {
    isal_inflate_init(inflater.get());
    inflater->crc_flag = ISAL_DEFLATE;
    inflater->next_in = compressed.data();
    inflater->avail_in = static_cast<std::uint32_t>(compressed.size());
    inflater->next_out = out.data();
    inflater->avail_out = static_cast<std::uint32_t>(out.size());
    if (isal_inflate_stateless(inflater.get()) != ISAL_DECOMP_OK) std::abort();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.message.size()));
}

void register_sweep() {
  for (const Corpus& corpus : sweep_corpora()) {
    const Corpus* c = &corpus;
    const std::string& n = corpus.name;
    constexpr double kMinTime = 0.02;
    benchmark::RegisterBenchmark(("sweep/encode-plain/" + n).c_str(), [c](benchmark::State& s) {
      bm_frame_encode(s, *c, false);
    })->MinTime(kMinTime);
    benchmark::RegisterBenchmark(("sweep/decode-plain/" + n).c_str(), [c](benchmark::State& s) {
      bm_frame_decode(s, *c, false);
    })->MinTime(kMinTime);
    for (int level : {0, 1}) {
      const std::string l = std::to_string(level);
      benchmark::RegisterBenchmark(
          ("sweep/deflate-igzip-" + l + "/" + n).c_str(),
          [c, level](benchmark::State& s) { bm_igzip_deflate(s, *c, level); })
          ->MinTime(kMinTime);
      benchmark::RegisterBenchmark(
          ("sweep/inflate-igzip-" + l + "/" + n).c_str(),
          [c, level](benchmark::State& s) { bm_igzip_inflate(s, *c, level); })
          ->MinTime(kMinTime);
    }
  }
}

// CPU nanoseconds per message for `name`, or a negative value when it did not run.
double ns_per_message(const tc::bench::RatioReporter& reporter, const std::string& name,
                      std::size_t message_bytes) {
  const double bytes_per_second = reporter.counter(name, "bytes_per_second");
  return bytes_per_second <= 0 ? -1 : 1e9 * static_cast<double>(message_bytes) / bytes_per_second;
}

void print_sweep(const tc::bench::RatioReporter& reporter) {
  std::printf(
      "\nThreshold sweep: bytes saved; CPU us per frame on the sending side (plain encode + "
      "deflate) and the receiving side (plain decode + inflate); the link rate below which "
      "compression raises one connection's throughput (message bytes / the slower side's time)\n");
  std::printf(
      "| message             | bytes  | plain send/recv us | lvl0 saved | lvl0 send/recv us | lvl0 "
      "pays below MB/s | lvl1 saved | lvl1 send/recv us | lvl1 pays below MB/s |\n");
  std::printf(
      "|---------------------|-------:|-------------------:|-----------:|------------------:|------"
      "-"
      "--------------:|-----------:|------------------:|---------------------:|\n");
  for (const Corpus& corpus : sweep_corpora()) {
    const std::string& n = corpus.name;
    const std::size_t m = corpus.message.size();
    const double encode = ns_per_message(reporter, "sweep/encode-plain/" + n, m);
    const double decode = ns_per_message(reporter, "sweep/decode-plain/" + n, m);
    if (encode < 0 || decode < 0) continue;
    std::printf("| %-19s | %6zu | %8.2f / %7.2f |", n.c_str(), m, encode / 1e3, decode / 1e3);
    for (int level : {0, 1}) {
      const std::string l = std::to_string(level);
      const double deflate = ns_per_message(reporter, "sweep/deflate-igzip-" + l + "/" + n, m);
      const double inflate = ns_per_message(reporter, "sweep/inflate-igzip-" + l + "/" + n, m);
      const auto size = payload_bytes().find(n + "/igzip-" + l);
      if (deflate < 0 || inflate < 0 || size == payload_bytes().end()) {
        std::printf(" %10s | %17s | %20s |", "n/a", "n/a", "n/a");
        continue;
      }
      const double send = encode + deflate;
      const double receive = decode + inflate;
      // The encoder sends a frame compressed only when that is smaller.
      const double saved = size->second < m ? saved_percent(size->second, m) : 0.0;
      std::printf(" %8.1f %% | %7.2f / %7.2f | %20.0f |", saved, send / 1e3, receive / 1e3,
                  saved > 0 ? 1e3 * static_cast<double>(m) / std::max(send, receive) : 0.0);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_sweep();
  for (const Corpus& corpus : corpora()) {
    const Corpus* c = &corpus;
    const std::string& n = corpus.name;
    benchmark::RegisterBenchmark(("frame/plain/" + n).c_str(), [c](benchmark::State& s) {
      bm_frame_encode(s, *c, false);
    })->MinTime(0.2);
    benchmark::RegisterBenchmark(("frame/igzip/" + n).c_str(), [c](benchmark::State& s) {
      bm_frame_encode(s, *c, true);
    })->MinTime(0.2);
    for (int level : {1, 6}) {
      benchmark::RegisterBenchmark(
          ("baseline/zlib-" + std::to_string(level) + "/" + n).c_str(),
          [c, level](benchmark::State& s) { bm_zlib_deflate(s, *c, level); })
          ->MinTime(0.2);
    }
    benchmark::RegisterBenchmark(("decode/plain/" + n).c_str(), [c](benchmark::State& s) {
      bm_frame_decode(s, *c, false);
    })->MinTime(0.2);
    benchmark::RegisterBenchmark(("decode/igzip/" + n).c_str(), [c](benchmark::State& s) {
      bm_frame_decode(s, *c, true);
    })->MinTime(0.2);
    benchmark::RegisterBenchmark(("baseline/inflate-zlib-6/" + n).c_str(),
                                 [c](benchmark::State& s) { bm_zlib_inflate(s, *c); })
        ->MinTime(0.2);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nBandwidth: payload bytes after compression, and the share of the message saved\n");
  std::printf(
      "| corpus          | message B | igzip-1 B (saved) | zlib-1 B (saved) | zlib-6 B (saved) "
      "|\n");
  std::printf(
      "|-----------------|----------:|------------------:|-----------------:|-----------------:|"
      "\n");
  for (const Corpus& corpus : corpora()) {
    const std::size_t m = corpus.message.size();
    std::printf("| %-15s | %9zu |", corpus.name.c_str(), m);
    for (const char* codec : {"/igzip", "/zlib-1", "/zlib-6"}) {
      const auto found = payload_bytes().find(corpus.name + codec);
      if (found == payload_bytes().end()) {
        std::printf(" %16s |", "n/a");
      } else {
        std::printf(" %8zu (%4.1f %%) |", found->second, saved_percent(found->second, m));
      }
    }
    std::printf("\n");
  }
  std::printf(
      "\nCPU per MiB of message: igzip-1 compression = frame/igzip - frame/plain; last columns: "
      "zlib's time over igzip's\n");
  std::printf(
      "| corpus          | igzip-1 ms/MiB | zlib-1 x | zlib-6 x | igzip inflate ms/MiB | zlib-6 "
      "inflate x |\n");
  std::printf(
      "|-----------------|---------------:|---------:|---------:|---------------------:|-----------"
      "------:|\n");
  for (const Corpus& corpus : corpora()) {
    const std::string& n = corpus.name;
    const double plain = ns_per_mib(reporter, "frame/plain/" + n);
    const double igzip = ns_per_mib(reporter, "frame/igzip/" + n) - plain;
    const double zlib1 = ns_per_mib(reporter, "baseline/zlib-1/" + n);
    const double zlib6 = ns_per_mib(reporter, "baseline/zlib-6/" + n);
    const double inflate =
        ns_per_mib(reporter, "decode/igzip/" + n) - ns_per_mib(reporter, "decode/plain/" + n);
    const double zinflate = ns_per_mib(reporter, "baseline/inflate-zlib-6/" + n);
    if (plain < 0 || igzip <= 0 || zlib1 < 0 || zlib6 < 0 || inflate <= 0 || zinflate < 0) {
      std::printf("| %-15s | (not all of its benchmarks ran) |\n", n.c_str());
      continue;
    }
    std::printf("| %-15s | %14.2f | %8.2f | %8.2f | %20.2f | %16.2f |\n", n.c_str(), igzip / 1e6,
                zlib1 / igzip, zlib6 / igzip, inflate / 1e6, zinflate / inflate);
  }
  print_sweep(reporter);
  return 0;
}
