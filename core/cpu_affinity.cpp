#include "core/cpu_affinity.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace tc {
namespace {

constexpr int kCoreMax = CPU_SETSIZE - 1;

// Parses a decimal core number of at most 4 digits; false when `text` is not one.
bool parse_core_number(std::string_view text, int* out) {
  if (text.empty() || text.size() > 4) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

}  // namespace

Result<std::vector<int>> parse_core_list(std::string_view text) {
  if (text.empty()) return invalid_argument("core list is empty");
  std::vector<int> cores;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) return invalid_argument("core list '" + std::string(text) + "': empty item");
    std::size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    bool ok = dash == std::string_view::npos ? parse_core_number(item, &first)
                                             : parse_core_number(item.substr(0, dash), &first) &&
                                                   parse_core_number(item.substr(dash + 1), &last);
    if (dash == std::string_view::npos) last = first;
    std::string where = "core list '" + std::string(text) + "': item '" + std::string(item) + "'";
    if (!ok) return invalid_argument(where + " is not a core number or range a-b");
    if (first > last) return invalid_argument(where + " is a reversed range");
    if (last > kCoreMax) {
      return invalid_argument(where + " exceeds the highest core " + std::to_string(kCoreMax));
    }
    for (int core = first; core <= last; ++core) {
      if (std::find(cores.begin(), cores.end(), core) != cores.end()) {
        return invalid_argument(where + " repeats core " + std::to_string(core));
      }
      cores.push_back(core);
    }
  }
  std::sort(cores.begin(), cores.end());
  return cores;
}

std::string format_core_list(std::span<const int> cores) {
  std::string text;
  std::size_t i = 0;
  while (i < cores.size()) {
    std::size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (!text.empty()) text.push_back(',');
    text += std::to_string(cores[i]);
    if (j > i) {
      text.push_back('-');
      text += std::to_string(cores[j]);
    }
    i = j + 1;
  }
  return text;
}

std::vector<int> allowed_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cores;
  // The main thread's mask (pid == its tid), not the caller's: a stage thread that is already
  // pinned must still be able to check and pin to the other cores of the process.
  if (sched_getaffinity(getpid(), sizeof(set), &set) != 0) return cores;
  for (int core = 0; core <= kCoreMax; ++core) {
    if (CPU_ISSET(core, &set)) cores.push_back(core);
  }
  return cores;
}

Status check_cores_allowed(std::span<const int> cores, std::string_view what) {
  std::vector<int> allowed = allowed_cores();
  for (int core : cores) {
    if (!std::binary_search(allowed.begin(), allowed.end(), core)) {
      return config_error(
          std::string(what) + ": core " + std::to_string(core) +
          " is not available to this process (allowed: " + format_core_list(allowed) + ")");
    }
  }
  return Status::ok();
}

Status pin_current_thread(int core) {
  if (core < 0 || core > kCoreMax) {
    return config_error("core " + std::to_string(core) + " is outside 0.." +
                        std::to_string(kCoreMax));
  }
  const int one[] = {core};
  TC_RETURN_IF_ERROR(check_cores_allowed(one, "pin thread"));
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  int error = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (error != 0) {
    return config_error("pin thread: core " + std::to_string(core) + ": " + std::strerror(error));
  }
  return Status::ok();
}

}  // namespace tc
