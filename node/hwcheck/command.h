// The `hwcheck` command line, shared by `timecoind hwcheck` and timecoin-hwcheck so that both take
// the same flags and give the same output and exit status (docs/hardware.md):
//
//   hwcheck --profile NAME|FILE [--json] [--profiles-dir DIR] [--root DIR] [--nvidia-smi PROGRAM]
//
// Exit status: 0 every item ok or not applicable; 1 at least one drift; 2 a usage error (bad
// option, unknown or malformed profile), with the option and the field named on stderr; 3 the
// machine's /proc or /sys cannot be read. It needs no root and changes nothing.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "node/hwcheck/hwcheck.h"

namespace tc::hwcheck {

struct HwcheckCommand {
  std::string profile;       // a profile name (dev-cpu, h100-cx7, e810) or a .json file
  std::string profiles_dir;  // where named profiles are looked up
  HwcheckOptions options;
  bool json = false;
};

// Adds the flags above to `app` (a program or a subcommand), writing into *command, whose
// profiles_dir is the default shown. `command` must outlive the parse.
void add_hwcheck_flags(CLI::App* app, HwcheckCommand* command);

// Loads the profile, checks the machine and prints the report on `out` (problems on `err`, each
// prefixed with `program`). Returns the exit status above.
int run_hwcheck_command(const HwcheckCommand& command, std::string_view program, std::ostream& out,
                        std::ostream& err);

}  // namespace tc::hwcheck
