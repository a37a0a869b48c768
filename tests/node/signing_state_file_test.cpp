// Goal: SigningStateFile gives back exactly what it last stored, writes each locked or valid
// payload once, and refuses to start from any damaged or incomplete directory rather than from an
// empty state.
// Method: real files in a fresh temporary directory per test; damage is done to the files between
// a store() and a load() through a second SigningStateFile on the same directory (a restart).
// Scenarios: a missing record is a first start; round trip with payloads; a payload file written
// once across many stores and removed when no longer named; truncated record; a bit flipped in
// the record and in a payload; a wrong version; a missing payload file; files an interrupted store
// left removed; a failed write makes every later store fail.
#include "node/signing_state_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace tc::node {
namespace {

namespace fs = std::filesystem;

Hash256 hash_of(std::uint8_t tag) {
  Hash256 h;
  h.bytes.fill(tag);
  return h;
}

consensus::SignedState locked_state(std::uint32_t round) {
  consensus::SignedState s;
  s.height = 5;
  s.round = round;
  s.step = consensus::SignStep::kPrecommit;
  s.block_hash = hash_of(1);
  s.precommit = consensus::Vote{5, round, consensus::VoteType::kPrecommit, 2, hash_of(1), {}};
  s.locked_round = 1;
  s.locked_hash = hash_of(1);
  s.locked_payload = Bytes(1000, 0xAB);
  s.valid_round = 1;
  s.valid_hash = hash_of(1);
  s.valid_payload = s.locked_payload;
  return s;
}

Bytes read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

class SigningStateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/timecoin-signing-state-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SigningStateFile> open() {
    auto file = SigningStateFile::open(dir_.string());
    EXPECT_TRUE(file.is_ok()) << file.status().to_string();
    return std::move(file).value();
  }
  fs::path record() const { return dir_ / "signing_state"; }
  fs::path payload(const Hash256& hash) const { return dir_ / ("signing_payload_" + to_hex(hash)); }
  // What a restarted node gets.
  Result<consensus::SignedState> reload() { return open()->load(); }

  fs::path dir_;
};

TEST_F(SigningStateFileTest, MissingRecordIsAFirstStart) {
  auto loaded = reload();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->step, consensus::SignStep::kNone);
  EXPECT_EQ(loaded->locked_round, -1);
}

TEST_F(SigningStateFileTest, RoundTripsWithPayloads) {
  const consensus::SignedState state = locked_state(2);
  ASSERT_TRUE(open()->store(state).is_ok());
  auto loaded = reload();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->height, 5u);
  EXPECT_EQ(loaded->round, 2u);
  EXPECT_EQ(loaded->precommit, state.precommit);
  EXPECT_EQ(loaded->locked_payload, state.locked_payload);
  EXPECT_EQ(loaded->valid_payload, state.valid_payload);
  // The record stays small: the payload is stored beside it, not in it.
  EXPECT_LT(fs::file_size(record()), 400u);
}

TEST_F(SigningStateFileTest, WritesAPayloadOnceAndRemovesItWhenUnnamed) {
  auto file = open();
  ASSERT_TRUE(file->store(locked_state(2)).is_ok());
  struct stat first {};
  ASSERT_EQ(::stat(payload(hash_of(1)).c_str(), &first), 0);
  for (std::uint32_t round = 3; round < 10; ++round) {
    ASSERT_TRUE(file->store(locked_state(round)).is_ok());
  }
  struct stat later {};
  ASSERT_EQ(::stat(payload(hash_of(1)).c_str(), &later), 0);
  EXPECT_EQ(first.st_ino, later.st_ino) << "the payload was rewritten";

  consensus::SignedState next_height;
  next_height.height = 6;
  next_height.step = consensus::SignStep::kPrevote;
  ASSERT_TRUE(file->store(next_height).is_ok());
  EXPECT_FALSE(fs::exists(payload(hash_of(1))));
  auto loaded = reload();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->height, 6u);
}

TEST_F(SigningStateFileTest, RefusesATruncatedRecord) {
  ASSERT_TRUE(open()->store(locked_state(2)).is_ok());
  Bytes bytes = read_all(record());
  bytes.resize(bytes.size() - 1);
  write_all(record(), bytes);
  auto loaded = reload();
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find(record().string()), std::string_view::npos);
  write_all(record(), {});
  EXPECT_EQ(reload().status().code(), StatusCode::kCorruption);
}

TEST_F(SigningStateFileTest, RefusesBitFlipsInRecordAndPayload) {
  ASSERT_TRUE(open()->store(locked_state(2)).is_ok());
  const Bytes good = read_all(record());
  Bytes flipped = good;
  flipped[20] ^= 0x10;
  write_all(record(), flipped);
  EXPECT_EQ(reload().status().code(), StatusCode::kCorruption);
  write_all(record(), good);
  ASSERT_TRUE(reload().is_ok());

  Bytes payload_bytes = read_all(payload(hash_of(1)));
  payload_bytes[100] ^= 0x01;
  write_all(payload(hash_of(1)), payload_bytes);
  auto loaded = reload();
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find("checksum"), std::string_view::npos);
}

TEST_F(SigningStateFileTest, RefusesAWrongVersion) {
  ASSERT_TRUE(open()->store(locked_state(2)).is_ok());
  Bytes bytes = read_all(record());
  bytes[4] = 9;
  write_all(record(), bytes);
  auto loaded = reload();
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_NE(loaded.status().message().find("unknown version 9"), std::string_view::npos);
}

TEST_F(SigningStateFileTest, RefusesAMissingPayload) {
  ASSERT_TRUE(open()->store(locked_state(2)).is_ok());
  fs::remove(payload(hash_of(1)));
  auto loaded = reload();
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find("is missing"), std::string_view::npos);
}

TEST_F(SigningStateFileTest, RemovesWhatAnInterruptedStoreLeft) {
  ASSERT_TRUE(open()->store(locked_state(2)).is_ok());
  write_all(dir_ / "signing_state.tmp", Bytes(10, 0xEE));
  write_all(payload(hash_of(7)), Bytes(10, 0xEE));
  auto loaded = reload();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->round, 2u);
  EXPECT_FALSE(fs::exists(dir_ / "signing_state.tmp"));
  EXPECT_FALSE(fs::exists(payload(hash_of(7))));
  EXPECT_TRUE(fs::exists(payload(hash_of(1))));
}

TEST_F(SigningStateFileTest, AFailedWriteFailsEveryLaterStore) {
  auto file = open();
  // A directory where the temporary file must go makes the write fail.
  fs::create_directory(dir_ / "signing_state.tmp");
  EXPECT_EQ(file->store(locked_state(2)).code(), StatusCode::kIoError);
  fs::remove(dir_ / "signing_state.tmp");
  EXPECT_EQ(file->store(locked_state(3)).code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace tc::node
