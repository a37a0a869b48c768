// Test support for the Wireshark dissector tests (tests/dataplane/dissector_test.cpp,
// tests/net/dissector_test.cpp): runs Debian's `tshark` on a capture with
// tools/wireshark/timecoin.lua loaded and splits its `-T fields` output into packets and values.
// Header-only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace tc::tshark {

inline std::string dissector_path() {
  return std::string(TC_SOURCE_DIR) + "/tools/wireshark/timecoin.lua";
}

// A fresh directory under TMPDIR, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tc_tshark_XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `tshark -n -r CAPTURE -X lua_script:timecoin.lua ARGS` (ARGS as shell words) in
// `work_dir`, where it leaves its output files.
inline Run run(const std::string& capture, const std::string& args, const std::string& work_dir) {
  const std::string out_path = work_dir + "/tshark.out";
  const std::string err_path = work_dir + "/tshark.err";
  // HOME points at the work directory so that a copy of the script among the user's personal
  // plugins, or the user's preferences, cannot change what is tested.
  const std::string command = "HOME='" + work_dir + "' tshark -n -r '" + capture +
                              "' -X 'lua_script:" + dissector_path() + "' " + args + " > '" +
                              out_path + "' 2> '" + err_path + "'";
  const int status = std::system(command.c_str());
  Run result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

// What tshark says on stderr when the script itself fails, and in the tree when a dissector raised
// a Lua error ("Lua Error: ...").
inline bool mentions_lua_error(const Run& run) {
  return run.err.find("Lua") != std::string::npos || run.err.find("rror") != std::string::npos ||
         run.out.find("Lua Error") != std::string::npos;
}

inline std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

// The `-T fields` arguments for `fields`: tab between fields, every occurrence, '|' between
// occurrences (no value the tests look at contains one).
inline std::string fields_args(const std::vector<std::string>& fields) {
  std::string args = "-T fields -E separator=/t -E occurrence=a -E 'aggregator=|'";
  for (const std::string& field : fields) args += " -e " + field;
  return args;
}

// One packet of `-T fields` output: for each requested field, its values in order.
using Packet = std::vector<std::vector<std::string>>;

inline std::vector<Packet> packets(const std::string& out, std::size_t field_count) {
  std::vector<Packet> result;
  for (const std::string& line : split(out, '\n')) {
    if (line.empty()) continue;
    Packet packet;
    for (const std::string& column : split(line, '\t')) {
      packet.push_back(column.empty() ? std::vector<std::string>() : split(column, '|'));
    }
    packet.resize(field_count);
    result.push_back(packet);
  }
  return result;
}

// Every value of field `index` over all packets, with how often it occurs.
inline std::map<std::string, int> value_counts(const std::vector<Packet>& all, std::size_t index) {
  std::map<std::string, int> counts;
  for (const Packet& packet : all) {
    for (const std::string& value : packet[index]) ++counts[value];
  }
  return counts;
}

}  // namespace tc::tshark
