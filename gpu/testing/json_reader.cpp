#include "gpu/testing/json_reader.h"

#include <charconv>

namespace tc::gpu::test {

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

bool JsonValue::as_int(std::int64_t* out) const {
  if (type_ != Type::kNumber) return false;
  const char* end = text_.data() + text_.size();
  const auto [ptr, ec] = std::from_chars(text_.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// Recursive descent over the grammar of RFC 8259; position_ is the next unread byte.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  bool parse_document(JsonValue* out, std::string* error) {
    skip_space();
    if (!parse_value(out, 0)) {
      *error = "offset " + std::to_string(position_) + ": " + expected_;
      return false;
    }
    skip_space();
    if (position_ != text_.size()) {
      *error = "offset " + std::to_string(position_) + ": trailing content after the document";
      return false;
    }
    return true;
  }

 private:
  static constexpr int kDepthMax = 64;

  bool fail(const char* expected) {
    expected_ = expected;
    return false;
  }
  bool at_end() const { return position_ >= text_.size(); }
  char peek() const { return text_[position_]; }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++position_;
    }
  }
  bool consume_literal(std::string_view literal) {
    if (text_.substr(position_, literal.size()) != literal) return false;
    position_ += literal.size();
    return true;
  }

  bool parse_value(JsonValue* out, int depth) {
    if (depth > kDepthMax) return fail("nesting no deeper than 64 levels");
    if (at_end()) return fail("a value");
    const char c = peek();
    if (c == '{') return parse_object(out, depth);
    if (c == '[') return parse_array(out, depth);
    if (c == '"') {
      out->type_ = JsonValue::Type::kString;
      return parse_string(&out->text_);
    }
    if (consume_literal("true")) {
      out->type_ = JsonValue::Type::kBool;
      out->boolean_ = true;
      return true;
    }
    if (consume_literal("false")) {
      out->type_ = JsonValue::Type::kBool;
      return true;
    }
    if (consume_literal("null")) return true;
    return parse_number(out);
  }

  bool parse_object(JsonValue* out, int depth) {
    out->type_ = JsonValue::Type::kObject;
    ++position_;  // '{'
    skip_space();
    if (!at_end() && peek() == '}') {
      ++position_;
      return true;
    }
    for (;;) {
      skip_space();
      if (at_end() || peek() != '"') return fail("a member name");
      std::string key;
      if (!parse_string(&key)) return false;
      skip_space();
      if (at_end() || peek() != ':') return fail("':' after a member name");
      ++position_;
      skip_space();
      out->keys_.push_back(std::move(key));
      out->items_.emplace_back();
      if (!parse_value(&out->items_.back(), depth + 1)) return false;
      skip_space();
      if (at_end()) return fail("',' or '}'");
      if (peek() == '}') {
        ++position_;
        return true;
      }
      if (peek() != ',') return fail("',' or '}'");
      ++position_;
    }
  }

  bool parse_array(JsonValue* out, int depth) {
    out->type_ = JsonValue::Type::kArray;
    ++position_;  // '['
    skip_space();
    if (!at_end() && peek() == ']') {
      ++position_;
      return true;
    }
    for (;;) {
      skip_space();
      out->items_.emplace_back();
      if (!parse_value(&out->items_.back(), depth + 1)) return false;
      skip_space();
      if (at_end()) return fail("',' or ']'");
      if (peek() == ']') {
        ++position_;
        return true;
      }
      if (peek() != ',') return fail("',' or ']'");
      ++position_;
    }
  }

  // Four hex digits of a \u escape.
  bool parse_hex4(std::uint32_t* out) {
    if (text_.size() - position_ < 4) return fail("four hex digits after \\u");
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[position_++];
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) return fail("four hex digits after \\u");
      *out = *out * 16 + static_cast<std::uint32_t>(digit);
    }
    return true;
  }

  static void append_utf8(std::string* out, std::uint32_t code_point) {
    if (code_point < 0x80) {
      out->push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (code_point >> 6)));
      out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
    } else if (code_point < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (code_point >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (code_point >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
    }
  }

  bool parse_string(std::string* out) {
    ++position_;  // '"'
    for (;;) {
      if (at_end()) return fail("the closing '\"' of a string");
      const char c = text_[position_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("no control character in a string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (at_end()) return fail("an escape after '\\'");
      const char escape = text_[position_++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out->push_back(escape);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          std::uint32_t unit = 0;
          if (!parse_hex4(&unit)) return false;
          // A high surrogate followed by a low one is one code point; a lone surrogate is kept
          // as its (ill-formed) three-byte encoding rather than refused: only hex fields matter.
          if (unit >= 0xd800 && unit < 0xdc00 && consume_literal("\\u")) {
            std::uint32_t low = 0;
            if (!parse_hex4(&low)) return false;
            if (low >= 0xdc00 && low < 0xe000) {
              unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
            } else {
              append_utf8(out, unit);
              unit = low;
            }
          }
          append_utf8(out, unit);
          break;
        }
        default:
          return fail("a valid escape after '\\'");
      }
    }
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text.
  bool parse_number(JsonValue* out) {
    const std::size_t begin = position_;
    auto digits = [this]() {
      std::size_t count = 0;
      while (!at_end() && peek() >= '0' && peek() <= '9') {
        ++position_;
        ++count;
      }
      return count;
    };
    if (!at_end() && peek() == '-') ++position_;
    if (!at_end() && peek() == '0') {
      ++position_;
    } else if (digits() == 0) {
      position_ = begin;
      return fail("a value");
    }
    if (!at_end() && peek() == '.') {
      ++position_;
      if (digits() == 0) return fail("digits after '.'");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++position_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++position_;
      if (digits() == 0) return fail("digits in an exponent");
    }
    out->type_ = JsonValue::Type::kNumber;
    out->text_ = std::string(text_.substr(begin, position_ - begin));
    return true;
  }

  std::string_view text_;
  std::size_t position_ = 0;
  const char* expected_ = "";
};

bool parse_json(std::string_view text, JsonValue* out, std::string* error) {
  *out = JsonValue();
  JsonParser parser(text);
  return parser.parse_document(out, error);
}

}  // namespace tc::gpu::test
