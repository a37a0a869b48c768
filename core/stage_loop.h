// run_stage_loop: the one loop that runs every stage of the data path on its thread (STYLE §2,
// after Firedancer's fd_stem). A stage never writes its own loop; it provides step() and
// housekeeping().
//
// The loop pins the thread to the stage's core, then repeats: step(burst_max) handles at most one
// burst of input and says how many items it handled; when a step handles nothing the loop backs off
// (spin with a pause instruction, then yield, then sleep briefly) and resets the backoff as soon as
// work arrives. Every housekeeping interval it calls housekeeping(now_ns), where a stage flushes
// its CounterSet into the registry, sends a partial batch whose deadline passed, and refreshes
// gauges.
//
// Shutdown is ordered: the node sets a stage's stop flag only after every stage upstream of it has
// returned. The loop then keeps stepping until the stage is drained, runs housekeeping once more
// and returns, so no accepted item is lost and the final counters are published. "Drained" is a
// step that handles nothing while the stage's optional drained() says true; a stage without
// drained() is taken as drained at its first empty step (so it must not return 0 with input still
// queued merely because its output ring was momentarily full, or it must provide drained()). Runs
// on the stage's own thread; the stop flag is the only shared state it reads.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <thread>

#include "core/cpu_affinity.h"
#include "core/status.h"

namespace tc {

// What the loop needs of a stage. step() must not block: it handles what is ready (at most
// burst_max items) and returns the number handled, 0 when there was nothing to do or the output
// ring was full. housekeeping() receives the loop's steady-clock time in nanoseconds. A stage may
// also provide `bool drained() const`: true when nothing is queued in its input or held in a
// partial batch.
template <typename S>
concept Stage = requires(S& stage, std::uint32_t burst_max, std::uint64_t now_ns) {
  { stage.step(burst_max) } -> std::convertible_to<std::uint32_t>;
  { stage.housekeeping(now_ns) } -> std::same_as<void>;
};

struct StageLoopOptions {
  int core = -1;                 // pin to this core; -1 leaves the thread unpinned
  std::uint32_t burst_max = 32;  // passed to every step()
  std::uint64_t housekeeping_interval_ns = 1'000'000;  // 1 ms
  // Idle backoff after consecutive empty steps: the first idle_spin_steps pause the CPU briefly,
  // the next idle_yield_steps yield the core, and later ones sleep idle_sleep_us (0: keep
  // yielding). A dedicated pinned core wants large spin counts; a shared devnet machine wants to
  // sleep.
  std::uint32_t idle_spin_steps = 1024;
  std::uint32_t idle_yield_steps = 1024;
  std::uint32_t idle_sleep_us = 50;
};

// Counts kept by the loop itself, returned when it stops (for the stage's final log line).
struct StageLoopStats {
  std::uint64_t steps = 0;
  std::uint64_t idle_steps = 0;
  std::uint64_t items = 0;
  std::uint64_t housekeeping_runs = 0;
};

// A hint to the core that this is a spin-wait loop (x86 PAUSE), so a sibling hyperthread gets the
// execution resources and leaving the loop does not flush the pipeline.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

inline std::uint64_t steady_now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// Runs `stage` on the calling thread until `stop` is set and the stage's input is drained (see the
// file comment). Errors: pinning failed (kConfig naming the core); the stage was not stepped then.
// `stats`, when not null, receives the loop's counts on return.
template <Stage S>
Status run_stage_loop(S& stage, const StageLoopOptions& options, const std::atomic<bool>& stop,
                      StageLoopStats* stats = nullptr) {
  if (options.core >= 0) TC_RETURN_IF_ERROR(pin_current_thread(options.core));
  StageLoopStats counts;
  std::uint64_t now = steady_now_ns();
  std::uint64_t next_housekeeping = now + options.housekeeping_interval_ns;
  std::uint64_t idle_run = 0;
  const std::uint64_t yield_after = std::uint64_t{options.idle_spin_steps};
  const std::uint64_t sleep_after = yield_after + options.idle_yield_steps;
  bool stopping = false;
  for (;;) {
    if (!stopping) stopping = stop.load(std::memory_order_acquire);
    const std::uint32_t handled = stage.step(options.burst_max);
    ++counts.steps;
    counts.items += handled;
    if (handled == 0) {
      if (stopping) {
        if constexpr (requires { stage.drained(); }) {
          if (stage.drained()) break;
        } else {
          break;
        }
      }
      ++counts.idle_steps;
      ++idle_run;
      if (idle_run <= yield_after) {
        cpu_relax();
      } else if (idle_run <= sleep_after || options.idle_sleep_us == 0) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(options.idle_sleep_us));
      }
    } else {
      idle_run = 0;
    }
    now = steady_now_ns();
    if (now >= next_housekeeping) {
      stage.housekeeping(now);
      ++counts.housekeeping_runs;
      next_housekeeping = now + options.housekeeping_interval_ns;
    }
  }
  stage.housekeeping(steady_now_ns());
  ++counts.housekeeping_runs;
  if (stats != nullptr) *stats = counts;
  return Status::ok();
}

}  // namespace tc
