// Goal: core lists parse and print in their compact form, and pinning moves the calling thread onto
// an allowed core while refusing cores that do not exist, naming them.
// Method: parse/format round trips; a fresh thread pins itself to each allowed core in turn (up to
// 4) and checks sched_getcpu() and its own affinity mask; requests for core 1023 (absent on any
// test machine) and -1. Scenarios:
//   - "0-3,8" -> {0,1,2,3,8} -> "0-3,8"; single cores; unordered input sorts;
//   - malformed lists: empty, empty item, letters, reversed range, repeated core, core > 1023;
//   - allowed_cores() is non-empty and check_cores_allowed accepts it;
//   - pinning to an allowed core: sched_getcpu() reports it afterwards;
//   - pinning to core 1023 or -1 is kConfig naming the core; the thread's affinity is unchanged.
#include "core/cpu_affinity.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace tc {
namespace {

// The calling thread's own affinity mask, ascending.
std::vector<int> thread_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(pthread_getaffinity_np(pthread_self(), sizeof(set), &set), 0);
  std::vector<int> cores;
  for (int core = 0; core < CPU_SETSIZE; ++core) {
    if (CPU_ISSET(core, &set)) cores.push_back(core);
  }
  return cores;
}

TEST(CpuAffinityTest, ParsesAndFormatsCoreLists) {
  Result<std::vector<int>> cores = parse_core_list("0-3,8");
  ASSERT_TRUE(cores.is_ok()) << cores.status().to_string();
  EXPECT_EQ(*cores, (std::vector<int>{0, 1, 2, 3, 8}));
  EXPECT_EQ(format_core_list(*cores), "0-3,8");
  EXPECT_EQ(*parse_core_list("5"), (std::vector<int>{5}));
  EXPECT_EQ(*parse_core_list("9,2-3,0"), (std::vector<int>{0, 2, 3, 9}));
  EXPECT_EQ(format_core_list(std::vector<int>{0, 2, 3, 4, 7, 9, 10}), "0,2-4,7,9-10");
  EXPECT_EQ(format_core_list(std::vector<int>{}), "");
}

TEST(CpuAffinityTest, RejectsMalformedCoreLists) {
  EXPECT_EQ(parse_core_list("").status().message(), "core list is empty");
  EXPECT_EQ(parse_core_list("1,,2").status().message(), "core list '1,,2': empty item");
  EXPECT_EQ(parse_core_list("0-x").status().message(),
            "core list '0-x': item '0-x' is not a core number or range a-b");
  EXPECT_EQ(parse_core_list("4-2").status().message(),
            "core list '4-2': item '4-2' is a reversed range");
  EXPECT_EQ(parse_core_list("0-3,2").status().message(),
            "core list '0-3,2': item '2' repeats core 2");
  EXPECT_EQ(parse_core_list("1024").status().message(),
            "core list '1024': item '1024' exceeds the highest core 1023");
  EXPECT_EQ(parse_core_list(" 1").status().code(), StatusCode::kInvalidArgument);
}

TEST(CpuAffinityTest, AllowedCoresPassTheCheck) {
  std::vector<int> allowed = allowed_cores();
  ASSERT_FALSE(allowed.empty());
  EXPECT_TRUE(std::is_sorted(allowed.begin(), allowed.end()));
  EXPECT_TRUE(check_cores_allowed(allowed, "cores.verify").is_ok());
}

TEST(CpuAffinityTest, PinsToAnAllowedCore) {
  std::vector<int> allowed = allowed_cores();
  ASSERT_FALSE(allowed.empty());
  if (allowed.size() > 4) allowed.resize(4);
  // A fresh thread, so the test process's own affinity is left alone.
  std::thread([&allowed] {
    for (int core : allowed) {
      Status status = pin_current_thread(core);
      ASSERT_TRUE(status.is_ok()) << status.to_string();
      // The kernel migrates the thread before sched_setaffinity returns.
      EXPECT_EQ(sched_getcpu(), core);
      EXPECT_EQ(thread_cores(), std::vector<int>{core});
    }
  }).join();
}

TEST(CpuAffinityTest, RefusesACoreThatDoesNotExist) {
  std::thread([] {
    std::vector<int> before = thread_cores();
    Status status = pin_current_thread(1023);
    EXPECT_EQ(status.code(), StatusCode::kConfig);
    EXPECT_EQ(status.message().substr(0, 60),
              "pin thread: core 1023 is not available to this process (allo");
    EXPECT_EQ(thread_cores(), before);

    Status negative = pin_current_thread(-1);
    EXPECT_EQ(negative.code(), StatusCode::kConfig);
    EXPECT_EQ(negative.message(), "core -1 is outside 0..1023");

    const int cores[] = {before.front(), 1023};
    Status check = check_cores_allowed(cores, "cores.verify");
    EXPECT_EQ(check.message(),
              "cores.verify: core 1023 is not available to this process (allowed: " +
                  format_core_list(allowed_cores()) + ")");
  }).join();
}

}  // namespace
}  // namespace tc
