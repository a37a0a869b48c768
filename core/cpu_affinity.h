// CPU pinning for stage threads: core-list parsing ("0-3,8"), checks against the cores this process
// may run on, and pinning the calling thread to one core.
//
// The node pins each stage thread at startup from the [cores] section of its config
// (core/config.h), through the stage loop (core/stage_loop.h). A core that does not exist or is
// outside the process's affinity mask (taskset, cgroup cpusets, isolcpus setups) is bad setup: a
// kConfig error naming the core, so the daemon exits before any stage runs. Linux only. Every
// function is safe from any thread; pin_current_thread affects only the calling thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tc {

// Parses a core list such as "0-3,8" into ascending, distinct core numbers ({0,1,2,3,8}). Items are
// single numbers or inclusive ranges "a-b" with a <= b, separated by commas; no spaces. Errors
// (kInvalidArgument, naming the offending item): an empty list or item, a non-number, a reversed
// range, a core above 1023, or a core given twice.
Result<std::vector<int>> parse_core_list(std::string_view text);

// The compact form of a list of cores: ascending {0,1,2,3,8} -> "0-3,8"; {} -> "".
// REQUIRES: `cores` ascending and distinct.
std::string format_core_list(std::span<const int> cores);

// The cores this process may run on, ascending: the affinity mask of its main thread
// (sched_getaffinity(getpid())), which taskset and cgroup cpusets set and the node never pins.
// Empty only if the call fails, which Linux does not do for the calling process.
std::vector<int> allowed_cores();

// OK when every core of `cores` is in allowed_cores(). Otherwise kConfig: "<what>: core 12 is not
// available to this process (allowed: 0-7)". `what` names the source, e.g. "cores.verify".
Status check_cores_allowed(std::span<const int> cores, std::string_view what);

// Pins the calling thread to `core` alone. Errors (kConfig, naming the core): a negative core or
// one above 1023, a core not in allowed_cores(), or a refusal from pthread_setaffinity_np with its
// reason. On error the thread's affinity is unchanged.
Status pin_current_thread(int core);

}  // namespace tc
