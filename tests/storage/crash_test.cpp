// Goal: after a crash at any point, the store opens at exactly the last committed block — never a
// partial block and never losing an acknowledged one.
// Method: the test binary re-executes itself as a child (a gtest global environment notices the
// TC_STORAGE_CRASH_CHILD_DIR variable before any test runs) that opens the store, replays the
// deterministic ChainModel up to the stored tip and then commits blocks in a loop, reporting each
// acknowledged height through a pipe. The parent SIGKILLs it after a random delay, reopens the
// store and checks it against the model replayed to the stored tip. The child writes through
// FaultFileSystem, which keeps unsynced bytes in the child's memory, so each kill also drops every
// unsynced byte, as a power loss would (synced bytes are written but not fsynced: the page cache
// survives a SIGKILL, and it keeps the test fast on slow disks).
// Scenarios:
//   - kKills kills at random points (during open, replay, commit or between commits); after each:
//     tip >= last acknowledged height and <= it + 1; the tip's hash, the block hash at every new
//     height and the UTXO set digest equal the model's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "storage/chain_store.h"
#include "tests/storage/chain_fixture.h"
#include "tests/storage/fault_file_system.h"

namespace tc::storage {
namespace {

using testing::ChainModel;
using testing::ChainModelOptions;
using testing::FaultFileSystem;
using testing::TempDir;

constexpr int kKills = 50;
constexpr const char* kChildDirVariable = "TC_STORAGE_CRASH_CHILD_DIR";
constexpr const char* kChildFdVariable = "TC_STORAGE_CRASH_CHILD_FD";
const ChainModelOptions kModel{.seed = 11, .genesis_outputs = 64, .transfers_per_block = 8};

StoreOptions crash_options(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.read_path = ReadPath::kDefault;
  options.base_file_system = std::make_shared<FaultFileSystem>(
      rocksdb::FileSystem::Default(), FaultFileSystem::Options{.skip_fsync = true});
  return options;
}

// The child: commits until killed. Exit codes say where it failed if it ever stops by itself.
[[noreturn]] void run_committer(const std::string& path, int report_fd) {
  auto store = ChainStore::open(crash_options(path));
  if (!store.is_ok()) _exit(2);
  ChainModel model(kModel);
  const std::optional<ChainTip> tip = (*store)->tip();
  if (tip) {
    while (model.next_height() <= tip->height) model.next_block();
  }
  while (true) {
    const testing::GeneratedBlock block = model.next_block();
    if (!(*store)->commit_block(block.commit()).is_ok()) _exit(3);
    const std::uint64_t height = block.block.header.height;
    if (write(report_fd, &height, sizeof(height)) != sizeof(height)) _exit(4);
  }
}

class CrashChildEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* dir = std::getenv(kChildDirVariable);
    const char* fd = std::getenv(kChildFdVariable);
    if (dir != nullptr && fd != nullptr) run_committer(dir, std::atoi(fd));
  }
};
[[maybe_unused]] ::testing::Environment* const kCrashChildEnvironment =
    ::testing::AddGlobalTestEnvironment(new CrashChildEnvironment);

// Starts the child; returns its pid and the read end of its report pipe.
std::pair<pid_t, int> spawn_committer(const std::string& path) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    setenv(kChildDirVariable, path.c_str(), 1);
    setenv(kChildFdVariable, std::to_string(fds[1]).c_str(), 1);
    execl("/proc/self/exe", "/proc/self/exe", "--gtest_filter=Crash.*",
          static_cast<char*>(nullptr));
    _exit(5);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

TEST(Crash, KilledCommitterReopensAtLastCommittedBlock) {
  TempDir dir;
  const std::string path = dir.sub("db");
  ChainModel reference(kModel);
  Hash256 reference_tip_hash;
  std::uint64_t rng = 12345;
  std::uint64_t last_acknowledged = 0;
  bool any_acknowledged = false;
  int kills_after_progress = 0;

  for (int kill_index = 0; kill_index < kKills; ++kill_index) {
    auto [pid, report_fd] = spawn_committer(path);
    ASSERT_GT(pid, 0);
    // Half of the kills wait for one acknowledged commit first, so the chain keeps growing; the
    // others land anywhere, opening and replay included.
    const bool wait_for_progress = kill_index % 2 == 0;
    if (wait_for_progress) {
      std::uint64_t height;
      ASSERT_EQ(read(report_fd, &height, sizeof(height)), static_cast<ssize_t>(sizeof(height)))
          << "child exited before committing";
      last_acknowledged = height;
      any_acknowledged = true;
      ++kills_after_progress;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(testing::splitmix64(&rng) % 30'000));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(waitpid(pid, &wait_status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wait_status)) << "child stopped by itself, status " << wait_status;
    std::uint64_t height;
    while (read(report_fd, &height, sizeof(height)) == sizeof(height)) {
      last_acknowledged = height;
      any_acknowledged = true;
    }
    close(report_fd);

    auto store = ChainStore::open(crash_options(path));
    ASSERT_TRUE(store.is_ok()) << "kill " << kill_index << ": " << store.status().to_string();
    const std::optional<ChainTip> tip = (*store)->tip();
    if (!any_acknowledged) continue;
    ASSERT_TRUE(tip.has_value()) << "kill " << kill_index << ": acknowledged block lost";
    ASSERT_GE(tip->height, last_acknowledged) << "kill " << kill_index;
    ASSERT_LE(tip->height, last_acknowledged + 1) << "kill " << kill_index;
    while (reference.next_height() <= tip->height) {
      const testing::GeneratedBlock block = reference.next_block();
      reference_tip_hash = block.certificate.block_hash;
      auto stored = (*store)->block_hash_at(block.block.header.height);
      ASSERT_TRUE(stored.is_ok()) << stored.status().to_string();
      ASSERT_EQ(*stored, block.certificate.block_hash);
    }
    last_acknowledged = tip->height;
    EXPECT_EQ(tip->hash, reference_tip_hash) << "kill " << kill_index;
    auto digest = (*store)->utxo_set_digest();
    ASSERT_TRUE(digest.is_ok()) << digest.status().to_string();
    ASSERT_EQ(*digest, reference.digest()) << "kill " << kill_index << " at tip " << tip->height;
  }
  EXPECT_EQ(kills_after_progress, kKills / 2);
  EXPECT_GE(reference.next_height(), static_cast<std::uint64_t>(kKills / 2));
}

}  // namespace
}  // namespace tc::storage
