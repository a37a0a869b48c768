// Goal: a validator whose signed state goes through SigningStateFile never signs two conflicting
// messages (same height, round and step; a different block hash or pol_round), however often and
// wherever its process is killed; and this test notices when persistence is broken.
// Method: signing_state_crash_child runs a 4-validator consensus network in virtual time, with
// every validator's signed state in a SigningStateFile, and appends each signed message to a log
// (fsync'd, after the state is persisted and before the message leaves). The test starts it on one
// directory, SIGKILLs it after a random delay, and starts it again, for a budget of kills
// (TC_SIGNING_STATE_KILLS, 40 by default; TC_SIGNING_STATE_SEED fixes the seed), then lets one
// last run commit three more blocks, and reads the log. The random delays put the kills anywhere:
// between persisting and logging, between logging and sending, in a commit, at startup.
// Scenarios: no two conflicting messages by any validator across every restart, and the run keeps
// committing (state loaded at start lets it resume its rounds); with persistence made a no-op
// (--forget-signed-state) the same procedure finds a conflicting pair, so the check has teeth.
#include "tests/node/signing_state_crash.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace tc::node::crash_test {
namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

pid_t spawn_child(const std::string& dir, std::uint64_t seed, std::uint64_t heights, bool forget) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string seed_text = std::to_string(seed);
    const std::string heights_text = std::to_string(heights);
    std::vector<char*> argv = {const_cast<char*>(TC_CRASH_CHILD), const_cast<char*>(dir.c_str()),
                               const_cast<char*>(seed_text.c_str()),
                               const_cast<char*>(heights_text.c_str())};
    if (forget) argv.push_back(const_cast<char*>("--forget-signed-state"));
    argv.push_back(nullptr);
    ::execv(TC_CRASH_CHILD, argv.data());
    std::_Exit(127);
  }
  return pid;
}

// The child's wait status, or nullopt when it is still running after `timeout`.
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

struct LogSummary {
  std::size_t records = 0;
  std::uint64_t height_max = 0;
  std::uint32_t round_max = 0;
  std::string conflict;  // empty: none
};

LogSummary read_log(const std::string& dir) {
  std::ifstream in(dir + "/" + kSignedLogName, std::ios::binary);
  const Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LogSummary summary;
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t, std::uint8_t>, SignedRecord>
      first;
  for (std::size_t at = 0; at + kSignedLogRecordBytes <= bytes.size();
       at += kSignedLogRecordBytes) {
    const SignedRecord r = decode_record(bytes.data() + at);
    ++summary.records;
    summary.height_max = std::max(summary.height_max, r.height);
    summary.round_max = std::max(summary.round_max, r.round);
    const auto key =
        std::make_tuple(r.validator, r.height, r.round, static_cast<std::uint8_t>(r.step));
    auto [it, inserted] = first.emplace(key, r);
    if (!inserted && summary.conflict.empty() &&
        (it->second.block_hash != r.block_hash || it->second.pol_round != r.pol_round)) {
      summary.conflict = "validator " + std::to_string(r.validator) +
                         " signed two messages at height " + std::to_string(r.height) + " round " +
                         std::to_string(r.round) + " step " +
                         std::to_string(static_cast<int>(r.step)) + ": " +
                         to_hex(it->second.block_hash) + " and " + to_hex(r.block_hash);
    }
  }
  return summary;
}

class SigningStateCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/timecoin-signing-crash-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    seed_ = env_or("TC_SIGNING_STATE_SEED", std::random_device{}());
    kills_ = env_or("TC_SIGNING_STATE_KILLS", 40);
    std::printf("seed %llu, %llu kills (TC_SIGNING_STATE_SEED, TC_SIGNING_STATE_KILLS)\n",
                static_cast<unsigned long long>(seed_), static_cast<unsigned long long>(kills_));
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // Starts the child and SIGKILLs it after a random delay, `kills_` times, or until the log shows a
  // conflict when `stop_at_conflict`. Returns how many kills landed in a running child.
  std::uint64_t kill_repeatedly(bool forget, bool stop_at_conflict) {
    std::mt19937_64 rng(seed_);
    std::uint64_t landed = 0;
    for (std::uint64_t k = 0; k < kills_; ++k) {
      const pid_t pid = spawn_child(dir_, seed_ + k, 1'000'000, forget);
      if (pid < 0) {
        ADD_FAILURE() << "fork failed";
        return landed;
      }
      const auto delay = std::chrono::milliseconds(5 + rng() % 300);
      if (auto status = wait_child(pid, delay)) {
        // A forgetful network may also commit two blocks at one height (the child's exit 3).
        if (!forget) {
          ADD_FAILURE() << "child exited by itself (wait status " << *status << "), dir " << dir_
                        << ", seed " << seed_ + k;
        }
        return landed;
      }
      ::kill(pid, SIGKILL);
      const auto status = wait_child(pid, std::chrono::seconds(10));
      if (status && WIFSIGNALED(*status)) ++landed;
      if (stop_at_conflict && !read_log(dir_).conflict.empty()) break;
    }
    return landed;
  }

  std::string dir_;
  std::uint64_t seed_ = 0;
  std::uint64_t kills_ = 0;
};

TEST_F(SigningStateCrashTest, NeverSignsConflictingMessagesAcrossKills) {
  const std::uint64_t landed = kill_repeatedly(false, false);
  ASSERT_FALSE(HasFailure());
  const pid_t pid = spawn_child(dir_, seed_ + kills_, 3, false);
  const auto status = wait_child(pid, std::chrono::seconds(60));
  if (!status) ::kill(pid, SIGKILL);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "the last run did not commit 3 more blocks; dir " << dir_;
  const LogSummary log = read_log(dir_);
  std::printf("%llu kills landed; %zu signed messages logged, up to height %llu, round %u\n",
              static_cast<unsigned long long>(landed), log.records,
              static_cast<unsigned long long>(log.height_max), log.round_max);
  EXPECT_EQ(log.conflict, "") << "dir " << dir_;
  EXPECT_GE(log.height_max, 3u);
}

TEST_F(SigningStateCrashTest, CatchesForgottenSignedState) {
  kill_repeatedly(true, true);
  ASSERT_FALSE(HasFailure());
  EXPECT_NE(read_log(dir_).conflict, "")
      << "a validator that forgets what it signed was not caught equivocating";
}

}  // namespace
}  // namespace tc::node::crash_test
