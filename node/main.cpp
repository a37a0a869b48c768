// timecoind: the TimeCoin masternode daemon (docs/daemon.md).
//
//   timecoind --config FILE [--check]
//   timecoind devnet --nodes N --duration S [--rate R] [--block-interval-ms MS]
//   timecoind hwcheck --profile NAME|FILE [--json] [--profiles-dir DIR] [--root DIR]
//
// With --check, validates FILE, prints the effective configuration (every key, each with its
// source: the profile's default or the file's line; core/config.h render_effective_config) and
// exits 0, starting nothing. Otherwise runs one masternode from FILE (core/config.h) and its data
// directory (node/data_dir.h) until SIGTERM or SIGINT. The first signal asks for an ordered
// shutdown (node/daemon.h) and the process exits 0 once it is done; a second signal exits at once
// with 128 + the signal's number (nothing committed is lost either way: every commit is synced).
// Exit status: 0 after a requested stop; 1 when startup or a stage failed (the log says why); 2 for
// a bad command line or configuration file.
// `timecoind devnet` (node/devnet/launcher.h) starts N such processes on loopback and drives
// them with the load generator; a signal stops it and its nodes and removes its temporary data.
// `timecoind hwcheck` compares the machine with a hardware profile (node/hwcheck/command.h: its own
// exit status, 0 ok, 1 drift, 2 usage, 3 unreadable).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "core/config.h"
#include "core/log.h"
#include "node/cli/command_line.h"
#include "node/daemon.h"
#include "node/devnet/launcher.h"
#include "node/hwcheck/command.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = tc::cli::kExitUsage;

std::atomic<bool> g_stop{false};

// Waits for SIGTERM and SIGINT (blocked in every thread, so only this one receives them): the
// first asks for shutdown, the second ends the process at once.
void watch_signals(sigset_t signals) {
  for (int seen = 0;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (++seen == 1) {
      TC_LOG_INFO("shutdown requested", {{"signal", signal_number}});
      g_stop.store(true, std::memory_order_release);
    } else {
      static constexpr char kMessage[] = "timecoind: second signal, exiting now\n";
      [[maybe_unused]] const ssize_t n = ::write(2, kMessage, sizeof(kMessage) - 1);
      ::_exit(128 + signal_number);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"timecoind: the TimeCoin masternode daemon"};
  app.name("timecoind");
  std::string config_path;
  // Not ->required(): CLI11 reports a missing required option before an unknown one, which would
  // hide the operator's typo ("--confg") behind "--config is required".
  app.add_option("--config", config_path, "configuration file (TOML; docs/configuration.md)");
  bool check_only = false;
  app.add_flag("--check", check_only,
               "validate the configuration, print every effective value with its source, exit");
  tc::node::DevnetLaunchOptions devnet;
  CLI::App* devnet_command =
      app.add_subcommand("devnet", "run N masternode processes on loopback under load");
  tc::cli::add_unsigned_option(devnet_command, "--nodes", &devnet.nodes, "masternodes",
                               std::uint32_t{1}, std::uint32_t{64});
  tc::cli::add_unsigned_option(devnet_command, "--duration", &devnet.duration_s, "seconds of load",
                               std::uint64_t{1}, std::uint64_t{86'400})
      ->required();
  tc::cli::add_unsigned_option(devnet_command, "--rate", &devnet.rate, "transfers per second",
                               std::uint64_t{0}, std::uint64_t{1'000'000});
  tc::cli::add_unsigned_option(devnet_command, "--block-interval-ms", &devnet.block_interval_ms,
                               "block interval", std::uint32_t{10}, std::uint32_t{60'000});
  tc::hwcheck::HwcheckCommand hwcheck;
  hwcheck.profiles_dir = TC_PROFILES_DIR;
  CLI::App* hwcheck_command = app.add_subcommand(
      "hwcheck", "compare this machine with a hardware profile (docs/hardware.md)");
  tc::hwcheck::add_hwcheck_flags(hwcheck_command, &hwcheck);
  if (const std::optional<int> exit = tc::cli::parse_command_line(&app, argc, argv)) return *exit;
  if (hwcheck_command->parsed()) {
    return tc::hwcheck::run_hwcheck_command(hwcheck, "timecoind hwcheck", std::cout, std::cerr);
  }
  // Before any other thread exists, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread(watch_signals, signals).detach();

  if (devnet_command->parsed()) {
    std::error_code error;
    devnet.timecoind = std::filesystem::read_symlink("/proc/self/exe", error).string();
    if (error) devnet.timecoind = argv[0];
    return tc::node::run_devnet(devnet, g_stop);
  }
  if (config_path.empty()) {
    std::cerr << "timecoind: --config FILE is required\nrun timecoind --help for usage\n";
    return kExitUsage;
  }

  auto config = tc::load_config_file(config_path);
  if (!config.is_ok()) {
    std::cerr << "timecoind: " << config.status().to_string() << "\n";
    return kExitUsage;
  }
  if (check_only) {
    std::cout << tc::render_effective_config(*config);
    return 0;
  }
  tc::set_log_level(config->log.level);
  tc::set_log_format(config->log.format);

  auto daemon = tc::node::Daemon::open(*config);
  if (!daemon.is_ok()) {
    TC_LOG_ERROR("startup failed", {{"error", daemon.status().to_string()}});
    std::cerr << "timecoind: " << daemon.status().to_string() << "\n";
    return kExitFailure;
  }
  const tc::Status status = (*daemon)->run(g_stop);
  daemon->reset();
  if (!status.is_ok()) {
    TC_LOG_ERROR("timecoind failed", {{"error", status.to_string()}});
    return kExitFailure;
  }
  return 0;
}
