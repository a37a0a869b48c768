// The TOML subset that configuration files are written in (core/config.h), read by a small strict
// parser of our own. It replaced toml++ 3.3, which asserts or reaches undefined behaviour on some
// malformed files (upstream issues 190 and 295); an operator's typo must give an error, never a
// crash.
//
// Accepted: comments; `[section]` headers with a bare name; `key = value` lines with a bare key
// (A-Z a-z 0-9 _ -); values that are basic strings ("..." with TOML's escapes: \b \t \n \f \r \",
// backslash-backslash, \uXXXX and \UXXXXXXXX), literal strings ('...'), decimal integers (optional
// sign, '_' between digits, no leading zero, 64-bit signed), true and false, and arrays of those
// (over several lines, with comments and a trailing comma). Lines end in LF or CRLF; a UTF-8 byte
// order mark is skipped. Refused, each by name: dotted and quoted keys, [[arrays of tables]],
// dotted section names, inline tables, multi-line strings, floats, dates and times, hexadecimal,
// octal and binary integers, nested arrays; and what TOML forbids: a key or section defined twice,
// control characters, invalid UTF-8, non-ASCII characters outside strings and comments.
//
// Errors are kConfig "origin:line:column: what" (1-based; a column counts characters), and when a
// value is at fault `what` starts with "key 'section.key': ". Only the first error is reported.
// Pure function; any thread. The document owns copies of every name and value. Nesting is at most
// one array deep, so the parser's stack depth does not depend on the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tc {

struct TextPosition {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in characters
};

enum class TomlType : std::uint8_t { kString, kInteger, kBoolean, kArray };

// "a string", "an integer", "a boolean", "an array": for "expected X, got Y" messages.
std::string_view toml_type_phrase(TomlType type);

struct TomlValue {
  TomlType type = TomlType::kString;
  TextPosition position;  // of the value's first character
  std::string string;     // kString, escapes resolved
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<TomlValue> elements;  // kArray: strings, integers or booleans, in any mix
};

struct TomlEntry {
  std::string key;
  TextPosition key_position;
  TomlValue value;
};

struct TomlTable {
  std::string name;                // empty for the root table
  TextPosition position;           // of the name in its header; {0, 0} for the root
  std::vector<TomlEntry> entries;  // in file order, keys distinct

  // The entry named `key`, or nullptr.
  const TomlEntry* find(std::string_view key) const;
};

struct TomlDocument {
  TomlTable root;                   // the keys before the first header
  std::vector<TomlTable> sections;  // in file order, names distinct and none a key of the root

  // The section named `name`, or nullptr.
  const TomlTable* section(std::string_view name) const;
};

// Parses `text`; `origin_name` names it in error messages (a file name).
Result<TomlDocument> parse_toml_subset(std::string_view text, std::string_view origin_name);

}  // namespace tc
