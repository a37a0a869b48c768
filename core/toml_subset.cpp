#include "core/toml_subset.h"

#include <cstdio>
#include <limits>
#include <unordered_map>
#include <utility>

namespace tc {
namespace {

// A token longer than this is shown cut short in error messages.
constexpr std::size_t kShownTokenCharsMax = 40;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
}

// Characters of integers, booleans and what an operator may write in their place (floats, dates,
// unquoted words), read as one token so that the error can name what was written.
bool is_token_char(char c) {
  return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

bool is_control(unsigned char c) {
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

// The length of the well-formed UTF-8 sequence at text[pos] (a byte >= 0x80) and its code point in
// *code_point, or 0 when it is not one (overlong, a surrogate, above U+10FFFF, cut short).
std::size_t utf8_sequence(std::string_view text, std::size_t pos, std::uint32_t* code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  std::size_t length = 0;
  std::uint32_t value = 0;
  std::uint32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1F;
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0F;
    smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
    smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(pos + i);
    if ((next & 0xC0) != 0x80) return 0;
    value = (value << 6) | (next & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *code_point = value;
  return length;
}

void append_utf8(std::uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// "U+00A1".
std::string code_point_name(std::uint32_t code_point) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "U+%04X", static_cast<unsigned>(code_point));
  return buffer;
}

std::string shown_token(std::string_view token) {
  if (token.size() <= kShownTokenCharsMax) return std::string(token);
  return std::string(token.substr(0, kShownTokenCharsMax)) + "...";
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view origin) : text_(text), origin_(origin) {}

  Result<TomlDocument> parse() {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // a byte order mark, not a character
    while (!at_end()) {
      skip_blanks();
      if (at_end()) break;
      const char c = peek();
      if (c == '#' || c == '\n' || c == '\r') {
        TC_RETURN_IF_ERROR(end_line(""));
      } else if (c == '[') {
        TC_RETURN_IF_ERROR(parse_header());
      } else {
        TC_RETURN_IF_ERROR(parse_key_value());
      }
    }
    return std::move(document_);
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool next_is(std::string_view what) const { return text_.substr(pos_).starts_with(what); }
  TextPosition position() const { return TextPosition{line_, column_}; }

  // Consumes one byte. Columns count characters: a UTF-8 continuation byte adds none.
  void advance() {
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }

  void skip_blanks() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) advance();
  }

  // What the next character is, for "found X" in messages.
  std::string describe_next() const {
    if (at_end()) return "the end of the file";
    const auto c = static_cast<unsigned char>(peek());
    if (c == '\n' || next_is("\r\n")) return "the end of the line";
    if (c >= 0x21 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    if (c == ' ') return "a space";
    if (c < 0x80) return "control character " + code_point_name(c);
    std::uint32_t code_point = 0;
    if (utf8_sequence(text_, pos_, &code_point) == 0) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "0x%02X", static_cast<unsigned>(c));
      return std::string("invalid UTF-8 byte ") + buffer;
    }
    return "character " + code_point_name(code_point);
  }

  Status error_at(TextPosition at, std::string_view what) const {
    std::string message(origin_);
    message += ':';
    message += std::to_string(at.line);
    message += ':';
    message += std::to_string(at.column);
    message += ": ";
    message += what;
    return config_error(std::move(message));
  }

  Status value_error(TextPosition at, const std::string& dotted, std::string_view what) const {
    return error_at(at, "key '" + dotted + "': " + std::string(what));
  }

  TomlTable& current_table() {
    return document_.sections.empty() ? document_.root : document_.sections.back();
  }

  // Blanks, an optional comment, then a line end or the end of the file. `after` completes the
  // message ("expected the end of the line after ...").
  Status end_line(std::string_view after) {
    skip_blanks();
    if (!at_end() && peek() == '#') TC_RETURN_IF_ERROR(skip_comment());
    if (at_end()) return Status::ok();
    if (peek() == '\n') {
      advance();
      return Status::ok();
    }
    if (next_is("\r\n")) {
      advance();
      advance();
      return Status::ok();
    }
    return error_at(position(), "expected the end of the line" + std::string(after) + ", found " +
                                    describe_next());
  }

  // From '#' to the line end (not consumed). Tabs and UTF-8 text are allowed, control characters
  // are not.
  Status skip_comment() {
    advance();
    while (!at_end() && peek() != '\n' && !next_is("\r\n")) {
      const auto c = static_cast<unsigned char>(peek());
      if (c >= 0x80) {
        std::uint32_t code_point = 0;
        const std::size_t length = utf8_sequence(text_, pos_, &code_point);
        if (length == 0) return error_at(position(), describe_next() + " in a comment");
        for (std::size_t i = 0; i < length; ++i) advance();
      } else if (is_control(c)) {
        return error_at(position(), describe_next() + " in a comment");
      } else {
        advance();
      }
    }
    return Status::ok();
  }

  std::string read_bare_key() {
    const std::size_t start = pos_;
    while (!at_end() && is_bare_key_char(peek())) advance();
    return std::string(text_.substr(start, pos_ - start));
  }

  Status parse_header() {
    const TextPosition bracket_at = position();
    advance();
    if (next_is("[")) return error_at(bracket_at, "arrays of tables ([[...]]) are not supported");
    skip_blanks();
    const TextPosition name_at = position();
    if (next_is("\"") || next_is("'")) {
      return error_at(name_at, "quoted section names are not supported");
    }
    std::string name = read_bare_key();
    if (name.empty()) return error_at(name_at, "expected a section name, found " + describe_next());
    skip_blanks();
    if (next_is(".")) {
      return error_at(position(), "dotted section names are not supported");
    }
    if (!next_is("]")) {
      return error_at(position(),
                      "expected ']' after section name '" + name + "', found " + describe_next());
    }
    advance();
    if (auto first = section_lines_.find(name); first != section_lines_.end()) {
      return error_at(name_at, "section [" + name + "] appears twice (first at line " +
                                   std::to_string(first->second) + ")");
    }
    if (auto key = key_lines_.find(name); key != key_lines_.end()) {
      return error_at(name_at, "section [" + name + "] is also a key, set at line " +
                                   std::to_string(key->second));
    }
    TC_RETURN_IF_ERROR(end_line(" after [" + name + "]"));
    section_lines_.emplace(name, name_at.line);
    document_.sections.push_back(TomlTable{std::move(name), name_at, {}});
    return Status::ok();
  }

  Status parse_key_value() {
    const TextPosition key_at = position();
    if (next_is("\"") || next_is("'")) return error_at(key_at, "quoted keys are not supported");
    std::string key = read_bare_key();
    if (key.empty()) {
      return error_at(key_at, "expected a key, a [section] or a comment, found " + describe_next());
    }
    TomlTable& table = current_table();
    const std::string dotted = table.name.empty() ? key : table.name + "." + key;
    skip_blanks();
    if (next_is(".")) {
      return error_at(position(), "key '" + dotted +
                                      "': dotted keys are not supported (put the key under its "
                                      "[section])");
    }
    if (!next_is("=")) {
      return error_at(position(),
                      "expected '=' after key '" + dotted + "', found " + describe_next());
    }
    advance();
    skip_blanks();
    if (auto first = key_lines_.find(dotted); first != key_lines_.end()) {
      return error_at(key_at, "key '" + dotted + "' is set twice (first at line " +
                                  std::to_string(first->second) + ")");
    }
    TC_ASSIGN_OR_RETURN(TomlValue value, parse_value(dotted, /*in_array=*/false));
    TC_RETURN_IF_ERROR(end_line(" after the value of key '" + dotted + "'"));
    key_lines_.emplace(dotted, key_at.line);
    table.entries.push_back(TomlEntry{std::move(key), key_at, std::move(value)});
    return Status::ok();
  }

  Result<TomlValue> parse_value(const std::string& dotted, bool in_array) {
    const TextPosition at = position();
    if (at_end() || peek() == '\n' || next_is("\r\n")) {
      return value_error(at, dotted, "expected a value, found " + describe_next());
    }
    if (next_is("\"\"\"") || next_is("'''")) {
      return value_error(at, dotted, "a multi-line string is not supported");
    }
    const char c = peek();
    if (c == '"' || c == '\'') return parse_string(dotted);
    if (c == '[') {
      if (in_array) return value_error(at, dotted, "a nested array is not supported");
      return parse_array(dotted);
    }
    if (c == '{') return value_error(at, dotted, "an inline table is not supported");
    if (is_token_char(c)) return parse_token(dotted);
    return value_error(at, dotted, "expected a value, found " + describe_next());
  }

  // A basic ("...", with escapes) or literal ('...') string on one line.
  Result<TomlValue> parse_string(const std::string& dotted) {
    TomlValue value;
    value.type = TomlType::kString;
    value.position = position();
    const char quote = peek();
    advance();
    for (;;) {
      if (at_end() || peek() == '\n' || next_is("\r\n")) {
        return value_error(value.position, dotted,
                           "unterminated string (a string ends on its own line)");
      }
      const auto c = static_cast<unsigned char>(peek());
      if (c == quote) {
        advance();
        return value;
      }
      if (c == '\\' && quote == '"') {
        TC_RETURN_IF_ERROR(read_escape(dotted, &value.string));
      } else if (c >= 0x80) {
        std::uint32_t code_point = 0;
        const std::size_t length = utf8_sequence(text_, pos_, &code_point);
        if (length == 0) return value_error(position(), dotted, describe_next() + " in a string");
        value.string.append(text_.substr(pos_, length));
        for (std::size_t i = 0; i < length; ++i) advance();
      } else if (is_control(c)) {
        return value_error(position(), dotted,
                           describe_next() + " in a string (write it as an escape)");
      } else {
        value.string.push_back(static_cast<char>(c));
        advance();
      }
    }
  }

  Status read_escape(const std::string& dotted, std::string* out) {
    const TextPosition at = position();
    advance();  // the backslash
    if (at_end()) return value_error(at, dotted, "unterminated string");
    const char c = peek();
    std::size_t hex_digits = 0;
    switch (c) {
      case 'b':
        out->push_back('\b');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case 'u':
        hex_digits = 4;
        break;
      case 'U':
        hex_digits = 8;
        break;
      default:
        return value_error(at, dotted, "invalid escape: '\\' followed by " + describe_next());
    }
    advance();
    if (hex_digits == 0) return Status::ok();
    std::uint32_t code_point = 0;
    for (std::size_t i = 0; i < hex_digits; ++i) {
      const char h = at_end() ? '\0' : peek();
      std::uint32_t digit = 0;
      if (is_digit(h)) {
        digit = static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        digit = static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        digit = static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        return value_error(at, dotted,
                           std::string("invalid escape: \\") + c + " needs " +
                               std::to_string(hex_digits) + " hexadecimal digits");
      }
      code_point = (code_point << 4) | digit;
      advance();
    }
    if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return value_error(
          at, dotted,
          "invalid escape: " + code_point_name(code_point) + " is not a Unicode scalar value");
    }
    append_utf8(code_point, out);
    return Status::ok();
  }

  Result<TomlValue> parse_array(const std::string& dotted) {
    TomlValue array;
    array.type = TomlType::kArray;
    array.position = position();
    advance();
    for (;;) {
      TC_RETURN_IF_ERROR(skip_array_space(dotted, array.position));
      if (next_is("]")) break;
      TC_ASSIGN_OR_RETURN(TomlValue element, parse_value(dotted, /*in_array=*/true));
      array.elements.push_back(std::move(element));
      TC_RETURN_IF_ERROR(skip_array_space(dotted, array.position));
      if (next_is("]")) break;
      if (!next_is(",")) {
        return value_error(position(), dotted,
                           "expected ',' or ']' in the array, found " + describe_next());
      }
      advance();
    }
    advance();
    return array;
  }

  // Blanks, line ends and comments between array elements.
  Status skip_array_space(const std::string& dotted, TextPosition array_at) {
    for (;;) {
      skip_blanks();
      if (at_end()) {
        return value_error(array_at, dotted,
                           "unterminated array (no ']' before the end of the file)");
      }
      if (peek() == '#') {
        TC_RETURN_IF_ERROR(skip_comment());
      } else if (peek() == '\n') {
        advance();
      } else if (next_is("\r\n")) {
        advance();
        advance();
      } else {
        return Status::ok();
      }
    }
  }

  // true, false or a decimal integer; anything else made of token characters is named.
  Result<TomlValue> parse_token(const std::string& dotted) {
    TomlValue value;
    value.position = position();
    const std::size_t start = pos_;
    while (!at_end() && is_token_char(peek())) advance();
    const std::string_view token = text_.substr(start, pos_ - start);
    const auto fail = [&](std::string_view what) {
      return value_error(value.position, dotted, std::string(what));
    };
    if (token == "true" || token == "false") {
      value.type = TomlType::kBoolean;
      value.boolean = token == "true";
      return value;
    }
    const bool negative = token.front() == '-';
    std::string_view digits = token;
    if (token.front() == '-' || token.front() == '+') digits.remove_prefix(1);
    const std::string shown = shown_token(token);
    if (digits == "inf" || digits == "nan") return fail("a float (" + shown + ") is not supported");
    if (digits.empty() || !is_digit(digits.front())) {
      return fail("'" + shown + "' is not a value (strings are written in quotes)");
    }
    if (digits.size() >= 2 && digits[0] == '0' &&
        (digits[1] == 'x' || digits[1] == 'o' || digits[1] == 'b')) {
      return fail("a hexadecimal, octal or binary integer (" + shown + ") is not supported");
    }
    const bool date_like = digits.size() >= 5 && is_digit(digits[1]) && is_digit(digits[2]) &&
                           is_digit(digits[3]) && digits[4] == '-';
    if (token.find(':') != std::string_view::npos || date_like) {
      return fail("a date or time (" + shown + ") is not supported");
    }
    if (digits.find_first_of(".eE") != std::string_view::npos) {
      return fail("a float (" + shown + ") is not supported");
    }
    if (digits.size() > 1 && digits[0] == '0') {
      return fail("'" + shown + "' is not a decimal integer (leading zeros are not allowed)");
    }
    // The magnitude may reach 2^63 for a negative value, one more than the largest positive one.
    const std::uint64_t limit =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
    std::uint64_t magnitude = 0;
    bool after_digit = false;
    bool overflow = false;
    for (char c : digits) {
      if (c == '_' && after_digit) {
        after_digit = false;
        continue;
      }
      if (!is_digit(c)) return fail("'" + shown + "' is not a decimal integer");
      const auto digit = static_cast<std::uint64_t>(c - '0');
      overflow = overflow || magnitude > (limit - digit) / 10;
      if (!overflow) magnitude = magnitude * 10 + digit;
      after_digit = true;
    }
    if (!after_digit) return fail("'" + shown + "' is not a decimal integer");
    if (overflow) return fail("integer " + shown + " is outside the 64-bit range");
    value.type = TomlType::kInteger;
    value.integer =
        negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
    return value;
  }

  std::string_view text_;
  std::string_view origin_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  TomlDocument document_;
  // The line of each key set so far ("section.key", or "key" in the root) and of each section
  // header: what makes a second definition an error.
  std::unordered_map<std::string, std::uint32_t> key_lines_;
  std::unordered_map<std::string, std::uint32_t> section_lines_;
};

}  // namespace

std::string_view toml_type_phrase(TomlType type) {
  switch (type) {
    case TomlType::kString:
      return "a string";
    case TomlType::kInteger:
      return "an integer";
    case TomlType::kBoolean:
      return "a boolean";
    case TomlType::kArray:
      return "an array";
  }
  return "an unknown type";
}

const TomlEntry* TomlTable::find(std::string_view key) const {
  for (const TomlEntry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

const TomlTable* TomlDocument::section(std::string_view name) const {
  for (const TomlTable& table : sections) {
    if (table.name == name) return &table;
  }
  return nullptr;
}

Result<TomlDocument> parse_toml_subset(std::string_view text, std::string_view origin_name) {
  return Parser(text, origin_name).parse();
}

}  // namespace tc
