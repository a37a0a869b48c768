// Goal: every SHA-2 entry point (single message, incremental, multi-buffer on every backend) gives
// the digests of FIPS 180-4.
//
// Method: the NIST CAVP byte-oriented vectors (SHA256ShortMsg/LongMsg, SHA512ShortMsg/LongMsg from
// the CAVS 11.0 SHAVS response files, copied unchanged into testdata/sha2) are parsed, their count
// is asserted so a parse failure cannot pass silently, and each vector is checked through each API.
// `Len` is in bits; a `Len = 0` vector carries `Msg = 00` but hashes the empty message.
//
// Scenarios:
//   - single-message sha256 / sha512 on every vector;
//   - incremental Sha256 / Sha512 fed in uneven pieces (1, 2, 3, 5, 8, ... bytes, with empty
//     updates between them) so that pieces straddle block boundaries;
//   - sha256_many / sha512_many on each backend (portable, ipsec-mb where available) with all
//     vectors of a file in one batch, so lengths mix, and with short and long files together;
//   - several threads hashing batches at once, each through its own manager;
//   - a batch mixing a message too long for the ipsec-mb library (one million 'a', FIPS 180-4
//     example) with empty and short messages, and an empty batch;
//   - the backend choice is stable and has a name.
#include "core/sha2.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace tc {
namespace {

struct CavpVector {
  Bytes message;
  Bytes digest;
  int line = 0;  // line of the `Len` entry, for failure messages
};

// Reads the `Len` / `Msg` / `MD` triples of a CAVP response file. Any malformed entry is a test
// failure naming the line.
std::vector<CavpVector> read_cavp_file(const std::string& name) {
  const std::string path = std::string(TC_TESTDATA_DIR) + "/sha2/" + name;
  std::ifstream file(path);
  EXPECT_TRUE(file.is_open()) << "cannot open " << path;
  std::vector<CavpVector> vectors;
  std::string line;
  long length_bits = -1;
  int line_number = 0;
  while (std::getline(file, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto value_at = line.find(" = ");
    if (line.empty() || line[0] == '#' || line[0] == '[' || value_at == std::string::npos) {
      continue;
    }
    const std::string key = line.substr(0, value_at);
    const std::string value = line.substr(value_at + 3);
    if (key == "Len") {
      length_bits = std::stol(value);
      vectors.emplace_back().line = line_number;
    } else if (key == "Msg") {
      auto bytes = from_hex(value);
      EXPECT_TRUE(bytes.is_ok()) << name << ":" << line_number << ": "
                                 << bytes.status().to_string();
      EXPECT_FALSE(vectors.empty()) << name << ":" << line_number << ": Msg before Len";
      if (!bytes.is_ok() || vectors.empty()) continue;
      EXPECT_EQ(length_bits % 8, 0) << name << ":" << line_number;
      bytes->resize(static_cast<std::size_t>(length_bits / 8));  // Len = 0 keeps no byte of "00"
      EXPECT_EQ(bytes->size() * 8, static_cast<std::size_t>(length_bits))
          << name << ":" << line_number;
      vectors.back().message = std::move(*bytes);
    } else if (key == "MD") {
      auto bytes = from_hex(value);
      EXPECT_TRUE(bytes.is_ok()) << name << ":" << line_number << ": "
                                 << bytes.status().to_string();
      EXPECT_FALSE(vectors.empty()) << name << ":" << line_number << ": MD before Len";
      if (bytes.is_ok() && !vectors.empty()) vectors.back().digest = std::move(*bytes);
    }
  }
  return vectors;
}

template <typename Digest>
Bytes bytes_of(const Digest& digest) {
  return Bytes(digest.bytes.begin(), digest.bytes.end());
}

// Per-algorithm entry points, so one set of checks covers SHA-256 and SHA-512.
struct Sha256Api {
  using Digest = Hash256;
  using Incremental = Sha256;
  static Digest single(ByteSpan message) { return sha256(message); }
  static void many(Sha2Backend backend, std::span<const ByteSpan> messages,
                   std::span<Digest> digests) {
    sha256_many(backend, messages, digests);
  }
};

struct Sha512Api {
  using Digest = Hash512;
  using Incremental = Sha512;
  static Digest single(ByteSpan message) { return sha512(message); }
  static void many(Sha2Backend backend, std::span<const ByteSpan> messages,
                   std::span<Digest> digests) {
    sha512_many(backend, messages, digests);
  }
};

template <typename Api>
void check_single(const std::string& name, const std::vector<CavpVector>& vectors) {
  for (const CavpVector& v : vectors) {
    EXPECT_EQ(bytes_of(Api::single(v.message)), v.digest) << name << ":" << v.line;
  }
}

template <typename Api>
void check_incremental(const std::string& name, const std::vector<CavpVector>& vectors) {
  constexpr std::size_t kPieceBytes[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 0, 233};
  for (const CavpVector& v : vectors) {
    typename Api::Incremental hasher;
    std::size_t offset = 0;
    for (std::size_t piece = 0; offset < v.message.size(); ++piece) {
      const std::size_t take =
          std::min(kPieceBytes[piece % std::size(kPieceBytes)], v.message.size() - offset);
      hasher.update(ByteSpan(v.message.data() + offset, take));
      hasher.update(ByteSpan());
      offset += take;
    }
    EXPECT_EQ(bytes_of(hasher.finish()), v.digest) << name << ":" << v.line;
  }
}

template <typename Api>
void check_many(Sha2Backend backend, const std::string& name,
                const std::vector<CavpVector>& vectors) {
  std::vector<ByteSpan> messages;
  for (const CavpVector& v : vectors) messages.emplace_back(v.message);
  std::vector<typename Api::Digest> digests(vectors.size());
  Api::many(backend, messages, digests);
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    EXPECT_EQ(bytes_of(digests[i]), vectors[i].digest)
        << name << ":" << vectors[i].line << " on " << sha2_backend_name(backend);
  }
}

struct CavpFile {
  const char* name;
  std::size_t vector_count;
  bool starts_with_empty_message;  // the ShortMsg files open with Len = 0
};
constexpr CavpFile kSha256Files[] = {{"SHA256ShortMsg.rsp", 65, true},
                                     {"SHA256LongMsg.rsp", 64, false}};
constexpr CavpFile kSha512Files[] = {{"SHA512ShortMsg.rsp", 129, true},
                                     {"SHA512LongMsg.rsp", 128, false}};

// All vectors of both files of an algorithm, in file order, after checking each file's count.
std::vector<CavpVector> read_both(const CavpFile (&files)[2]) {
  std::vector<CavpVector> all;
  for (const CavpFile& file : files) {
    std::vector<CavpVector> vectors = read_cavp_file(file.name);
    EXPECT_EQ(vectors.size(), file.vector_count) << file.name;
    all.insert(all.end(), vectors.begin(), vectors.end());
  }
  return all;
}

TEST(Sha2Cavp, VectorCounts) {
  for (const auto* files : {&kSha256Files, &kSha512Files}) {
    for (const CavpFile& file : *files) {
      const std::vector<CavpVector> vectors = read_cavp_file(file.name);
      ASSERT_EQ(vectors.size(), file.vector_count) << file.name;
      EXPECT_EQ(vectors.front().message.empty(), file.starts_with_empty_message) << file.name;
      for (const CavpVector& v : vectors) {
        EXPECT_EQ(v.digest.size(), files == &kSha256Files ? 32u : 64u)
            << file.name << ":" << v.line;
      }
    }
  }
}

TEST(Sha2Cavp, Sha256Single) {
  for (const CavpFile& file : kSha256Files)
    check_single<Sha256Api>(file.name, read_cavp_file(file.name));
}

TEST(Sha2Cavp, Sha512Single) {
  for (const CavpFile& file : kSha512Files)
    check_single<Sha512Api>(file.name, read_cavp_file(file.name));
}

TEST(Sha2Cavp, Sha256IncrementalUnevenPieces) {
  for (const CavpFile& file : kSha256Files) {
    check_incremental<Sha256Api>(file.name, read_cavp_file(file.name));
  }
}

TEST(Sha2Cavp, Sha512IncrementalUnevenPieces) {
  for (const CavpFile& file : kSha512Files) {
    check_incremental<Sha512Api>(file.name, read_cavp_file(file.name));
  }
}

class Sha2ManyTest : public testing::TestWithParam<Sha2Backend> {
 protected:
  void SetUp() override {
    if (GetParam() != Sha2Backend::kPortable && sha2_multi_buffer_backend() != GetParam()) {
      GTEST_SKIP() << sha2_backend_name(GetParam()) << " is not available on this build or CPU";
    }
  }
};

TEST_P(Sha2ManyTest, Sha256EachFileInOneBatch) {
  for (const CavpFile& file : kSha256Files) {
    const std::vector<CavpVector> vectors = read_cavp_file(file.name);
    ASSERT_EQ(vectors.size(), file.vector_count);
    check_many<Sha256Api>(GetParam(), file.name, vectors);
  }
}

TEST_P(Sha2ManyTest, Sha512EachFileInOneBatch) {
  for (const CavpFile& file : kSha512Files) {
    const std::vector<CavpVector> vectors = read_cavp_file(file.name);
    ASSERT_EQ(vectors.size(), file.vector_count);
    check_many<Sha512Api>(GetParam(), file.name, vectors);
  }
}

TEST_P(Sha2ManyTest, ShortAndLongFilesInOneBatch) {
  check_many<Sha256Api>(GetParam(), "SHA256 short+long", read_both(kSha256Files));
  check_many<Sha512Api>(GetParam(), "SHA512 short+long", read_both(kSha512Files));
}

// One million 'a' (FIPS 180-4 examples) exceeds the library's 65535-byte job limit, so the
// ipsec-mb backend must hash it in its slot with the portable code while the others go through
// the library.
TEST_P(Sha2ManyTest, MixesMessagesBeyondTheLibraryLimit) {
  const Bytes million_a(1'000'000, 'a');
  const Bytes abc = {'a', 'b', 'c'};
  const ByteSpan messages[] = {ByteSpan(), ByteSpan(million_a), ByteSpan(abc), ByteSpan()};
  Hash256 digests256[4];
  Hash512 digests512[4];
  sha256_many(GetParam(), messages, digests256);
  sha512_many(GetParam(), messages, digests512);
  EXPECT_EQ(to_hex(digests256[0]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(digests256[1]),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(to_hex(digests256[2]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digests256[3], digests256[0]);
  EXPECT_EQ(to_hex(digests512[1]),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
  EXPECT_EQ(to_hex(digests512[2]),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(digests512[0], sha512(ByteSpan()));
  EXPECT_EQ(digests512[3], digests512[0]);
}

TEST_P(Sha2ManyTest, ConcurrentThreadsGetTheirOwnDigests) {
  const std::vector<CavpVector> vectors = read_both(kSha256Files);
  std::vector<ByteSpan> messages;
  for (const CavpVector& v : vectors) messages.emplace_back(v.message);
  constexpr int kThreads = 4;
  constexpr int kRounds = 10;
  int mismatches[kThreads] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Hash256> digests(messages.size());
      for (int round = 0; round < kRounds; ++round) {
        sha256_many(GetParam(), messages, digests);
        for (std::size_t i = 0; i < vectors.size(); ++i) {
          if (bytes_of(digests[i]) != vectors[i].digest) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST_P(Sha2ManyTest, EmptyBatchWritesNothing) {
  sha256_many(GetParam(), std::span<const ByteSpan>(), std::span<Hash256>());
  sha512_many(GetParam(), std::span<const ByteSpan>(), std::span<Hash512>());
}

INSTANTIATE_TEST_SUITE_P(Backends, Sha2ManyTest,
                         testing::Values(Sha2Backend::kPortable, Sha2Backend::kIpsecMb),
                         [](const testing::TestParamInfo<Sha2Backend>& info) {
                           return info.param == Sha2Backend::kPortable ? "portable" : "ipsec_mb";
                         });

TEST(Sha2Backend, ChoiceIsStableAndNamed) {
  const Sha2Backend backend = sha2_multi_buffer_backend();
  EXPECT_EQ(sha2_multi_buffer_backend(), backend);
  EXPECT_EQ(sha2_backend_name(Sha2Backend::kPortable), "portable");
  EXPECT_EQ(sha2_backend_name(Sha2Backend::kIpsecMb), "ipsec-mb");
  std::cout << "multi-buffer SHA-2 backend: " << sha2_backend_name(backend) << "\n";
}

}  // namespace
}  // namespace tc
