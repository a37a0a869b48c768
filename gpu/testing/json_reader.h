// A small JSON reader (RFC 8259) for the published test-vector files, so that timecoin-gpu-check
// builds on a bare CUDA machine without a JSON library. It parses a whole document into a tree
// of JsonValue; numbers keep their text. Not for network input or hot paths: it allocates per
// value. A JsonValue is a plain value; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tc::gpu::test {

class JsonValue {
 public:
  enum class Type : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // The string's (unescaped, UTF-8) content; the number's text; empty for other types.
  const std::string& text() const { return text_; }
  bool boolean() const { return boolean_; }
  // The elements of an array; empty for other types.
  const std::vector<JsonValue>& items() const { return items_; }
  // The member named key of an object (the first when repeated); null when there is none or this
  // is not an object.
  const JsonValue* find(std::string_view key) const;
  // The number as an integer: true and *out set when it is an integer in int64 range.
  bool as_int(std::int64_t* out) const;

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool boolean_ = false;
  std::string text_;
  std::vector<JsonValue> items_;   // array elements, or object member values
  std::vector<std::string> keys_;  // object member names, parallel to items_
};

// Parses text as one JSON document into *out. On malformed input (or nesting deeper than 64
// levels) returns false and sets *error to the byte offset and what was expected.
bool parse_json(std::string_view text, JsonValue* out, std::string* error);

}  // namespace tc::gpu::test
