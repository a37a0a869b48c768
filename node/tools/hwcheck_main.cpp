// timecoin-hwcheck: compares this machine with a hardware profile from firmware_configs/ and
// prints each item as ok, drift or n/a, with the command that fixes each drift. The same command
// as `timecoind hwcheck` (flags, output and exit status in node/hwcheck/command.h), for machines
// where the daemon is not installed yet; docs/hardware.md has the items and the JSON shape.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "node/cli/command_line.h"
#include "node/hwcheck/command.h"

int main(int argc, char** argv) {
  CLI::App app{"Compare this machine with a hardware profile (firmware_configs/profiles/)"};
  app.name("timecoin-hwcheck");
  tc::hwcheck::HwcheckCommand command;
  command.profiles_dir = TC_PROFILES_DIR;
  tc::hwcheck::add_hwcheck_flags(&app, &command);
  if (const std::optional<int> exit = tc::cli::parse_command_line(&app, argc, argv)) return *exit;
  return tc::hwcheck::run_hwcheck_command(command, "timecoin-hwcheck", std::cout, std::cerr);
}
