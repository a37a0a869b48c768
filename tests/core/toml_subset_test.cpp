// Goal: the configuration's TOML parser reads exactly the subset its header lists, with the values
// and positions an error message needs, and refuses everything else with a message naming the
// construct, its line and column, and its key; it never crashes.
// Method: parse_toml_subset on inline text with a fixed origin name; whole error messages compared.
// Scenarios:
//   - one document with every accepted form: comments, a byte order mark, CRLF, tabs, escapes,
//     literal strings, '_' in integers, the 64-bit extremes, booleans, multi-line arrays with
//     comments and a trailing comma, UTF-8 in strings and comments; positions count characters;
//   - an empty text and a text of comments only are empty documents;
//   - every refused form (dotted, quoted and duplicate keys and sections, arrays of tables, inline
//     tables, multi-line strings, floats, dates, times, hexadecimal and leading-zero integers,
//     overflow, nested arrays, unterminated strings and arrays, bad escapes, control characters,
//     invalid UTF-8, a lone CR, non-ASCII outside strings, text after a value or a header);
//   - every prefix of a valid document parses or fails cleanly (never crashes).
#include "core/toml_subset.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tc {
namespace {

Result<TomlDocument> parse(std::string_view text) {
  return parse_toml_subset(text, "test.toml");
}

TEST(TomlSubsetTest, ReadsEveryAcceptedForm) {
  const std::string text =
      "\xEF\xBB\xBF# a comment with UTF-8: \xC3\xA9\t\r\n"
      "top = 1\r\n"
      "\n"
      "[first]\t# after a header\n"
      "text = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"\n"
      "literal = 'C:\\path \"as is\"'\n"
      "utf8 = \"\xC3\xA9t\xC3\xA9\"\n"
      "big = 9_223_372_036_854_775_807\n"
      "small = -9223372036854775808\n"
      "plus = +7\n"
      "zero = 0\n"
      "yes = true\n"
      "no = false\n"
      "[second]\n"
      "list = [\n"
      "  \"a\",  # first\n"
      "  2,\n"
      "  false,\n"
      "]\n"
      "empty = []\n"
      "inline = [\"\xC3\xA9\", 1]\n";
  Result<TomlDocument> document = parse(text);
  ASSERT_TRUE(document.is_ok()) << document.status().to_string();

  ASSERT_EQ(document->root.entries.size(), 1u);
  EXPECT_EQ(document->root.entries[0].key, "top");
  EXPECT_EQ(document->root.entries[0].value.integer, 1);
  EXPECT_EQ(document->root.entries[0].key_position.line, 2u);
  EXPECT_EQ(document->root.entries[0].key_position.column, 1u);  // the byte order mark is no column

  ASSERT_EQ(document->sections.size(), 2u);
  const TomlTable& first = document->sections[0];
  EXPECT_EQ(first.name, "first");
  EXPECT_EQ(first.position.line, 4u);
  EXPECT_EQ(first.position.column, 2u);
  EXPECT_EQ(first.find("text")->value.string, "tab\there \"q\" \\ \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(first.find("text")->value.position.column, 8u);
  EXPECT_EQ(first.find("literal")->value.string, "C:\\path \"as is\"");
  EXPECT_EQ(first.find("utf8")->value.string, "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(first.find("big")->value.integer, INT64_MAX);
  EXPECT_EQ(first.find("small")->value.integer, INT64_MIN);
  EXPECT_EQ(first.find("plus")->value.integer, 7);
  EXPECT_EQ(first.find("zero")->value.type, TomlType::kInteger);
  EXPECT_TRUE(first.find("yes")->value.boolean);
  EXPECT_EQ(first.find("no")->value.type, TomlType::kBoolean);
  EXPECT_FALSE(first.find("no")->value.boolean);
  EXPECT_EQ(first.find("missing"), nullptr);

  const TomlTable* second = document->section("second");
  ASSERT_NE(second, nullptr);
  const TomlValue& list = second->find("list")->value;
  ASSERT_EQ(list.type, TomlType::kArray);
  ASSERT_EQ(list.elements.size(), 3u);
  EXPECT_EQ(list.elements[0].string, "a");
  EXPECT_EQ(list.elements[1].integer, 2);
  EXPECT_EQ(list.elements[2].type, TomlType::kBoolean);
  EXPECT_EQ(list.elements[1].position.line, 17u);
  EXPECT_EQ(list.elements[1].position.column, 3u);
  EXPECT_TRUE(second->find("empty")->value.elements.empty());
  // Columns count characters: "é" is one column though two bytes.
  EXPECT_EQ(second->find("inline")->value.elements[1].position.column, 16u);
  EXPECT_EQ(document->section("third"), nullptr);
}

TEST(TomlSubsetTest, EmptyAndCommentOnlyTextsAreEmptyDocuments) {
  for (std::string_view text : {"", "\n\n", "# nothing\n  # here", "\xEF\xBB\xBF"}) {
    Result<TomlDocument> document = parse(text);
    ASSERT_TRUE(document.is_ok()) << document.status().to_string();
    EXPECT_TRUE(document->root.entries.empty());
    EXPECT_TRUE(document->sections.empty());
  }
}

TEST(TomlSubsetTest, RefusesWhatTheSubsetLeavesOutNamingIt) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"[a.b]\n", "test.toml:1:3: dotted section names are not supported"},
      {"[\"a\"]\n", "test.toml:1:2: quoted section names are not supported"},
      {"[[a]]\n", "test.toml:1:1: arrays of tables ([[...]]) are not supported"},
      {"[]\n", "test.toml:1:2: expected a section name, found ']'"},
      {"[a\n", "test.toml:1:3: expected ']' after section name 'a', found the end of the line"},
      {"[a] x\n", "test.toml:1:5: expected the end of the line after [a], found 'x'"},
      {"[a]\n[a]\n", "test.toml:2:2: section [a] appears twice (first at line 1)"},
      {"a = 1\n[a]\n", "test.toml:2:2: section [a] is also a key, set at line 1"},
      {"[s]\na = 1\n# x\na = 2\n", "test.toml:4:1: key 's.a' is set twice (first at line 2)"},
      {"a.b = 1\n",
       "test.toml:1:2: key 'a': dotted keys are not supported (put the key under its [section])"},
      {"\"a\" = 1\n", "test.toml:1:1: quoted keys are not supported"},
      {"a 1\n", "test.toml:1:3: expected '=' after key 'a', found '1'"},
      {"a =", "test.toml:1:4: key 'a': expected a value, found the end of the file"},
      {"a = }\n", "test.toml:1:5: key 'a': expected a value, found '}'"},
      {"a = {}\n", "test.toml:1:5: key 'a': an inline table is not supported"},
      {"a = \"\"\"x\"\"\"\n", "test.toml:1:5: key 'a': a multi-line string is not supported"},
      {"a = '''x'''\n", "test.toml:1:5: key 'a': a multi-line string is not supported"},
      {"a = \"x\n\"\n",
       "test.toml:1:5: key 'a': unterminated string (a string ends on its own line)"},
      {"a = 'x", "test.toml:1:5: key 'a': unterminated string (a string ends on its own line)"},
      {"a = \"\\q\"\n", "test.toml:1:6: key 'a': invalid escape: '\\' followed by 'q'"},
      {"a = \"\\u12\"\n", "test.toml:1:6: key 'a': invalid escape: \\u needs 4 hexadecimal digits"},
      {"a = \"\\uD800\"\n",
       "test.toml:1:6: key 'a': invalid escape: U+D800 is not a Unicode scalar value"},
      {"a = \"\\U00110000\"\n",
       "test.toml:1:6: key 'a': invalid escape: U+110000 is not a Unicode scalar value"},
      {std::string("a = \"x\x01\"\n", 10),
       "test.toml:1:7: key 'a': control character U+0001 in a string (write it as an escape)"},
      {"a = \"\xFF\"\n", "test.toml:1:6: key 'a': invalid UTF-8 byte 0xFF in a string"},
      {"a = \"\xC0\xAF\"\n", "test.toml:1:6: key 'a': invalid UTF-8 byte 0xC0 in a string"},
      {"a = \"\xED\xA0\x80\"\n", "test.toml:1:6: key 'a': invalid UTF-8 byte 0xED in a string"},
      {"a = \"\xE2\x82\"\n", "test.toml:1:6: key 'a': invalid UTF-8 byte 0xE2 in a string"},
      {std::string("# \x00\n", 4), "test.toml:1:3: control character U+0000 in a comment"},
      {"# \xC3\n", "test.toml:1:3: invalid UTF-8 byte 0xC3 in a comment"},
      {"a = 1\rb = 2\n",
       "test.toml:1:6: expected the end of the line after the value of key 'a', found control "
       "character U+000D"},
      {"a = 1 2\n",
       "test.toml:1:7: expected the end of the line after the value of key 'a', found '2'"},
      {"\xC3\xA9 = 1\n",
       "test.toml:1:1: expected a key, a [section] or a comment, found character U+00E9"},
      {"\xFF",
       "test.toml:1:1: expected a key, a [section] or a comment, found invalid UTF-8 "
       "byte 0xFF"},
      {"a = [1, [2]]\n", "test.toml:1:9: key 'a': a nested array is not supported"},
      {"a = [1 2]\n", "test.toml:1:8: key 'a': expected ',' or ']' in the array, found '2'"},
      {"a = [1,,]\n", "test.toml:1:8: key 'a': expected a value, found ','"},
      {"a = [1,\n# c\n",
       "test.toml:1:5: key 'a': unterminated array (no ']' before the end of the "
       "file)"},
      {"a = 1.5\n", "test.toml:1:5: key 'a': a float (1.5) is not supported"},
      {"a = 1e5\n", "test.toml:1:5: key 'a': a float (1e5) is not supported"},
      {"a = -inf\n", "test.toml:1:5: key 'a': a float (-inf) is not supported"},
      {"a = nan\n", "test.toml:1:5: key 'a': a float (nan) is not supported"},
      {"a = 1979-05-27\n", "test.toml:1:5: key 'a': a date or time (1979-05-27) is not supported"},
      {"a = 07:32:00\n", "test.toml:1:5: key 'a': a date or time (07:32:00) is not supported"},
      {"a = 0x1F\n",
       "test.toml:1:5: key 'a': a hexadecimal, octal or binary integer (0x1F) is not supported"},
      {"a = 012\n",
       "test.toml:1:5: key 'a': '012' is not a decimal integer (leading zeros are not allowed)"},
      {"a = 1__0\n", "test.toml:1:5: key 'a': '1__0' is not a decimal integer"},
      {"a = 1_\n", "test.toml:1:5: key 'a': '1_' is not a decimal integer"},
      {"a = 12ab\n", "test.toml:1:5: key 'a': '12ab' is not a decimal integer"},
      {"a = 9223372036854775808\n",
       "test.toml:1:5: key 'a': integer 9223372036854775808 is outside the 64-bit range"},
      {"a = -9223372036854775809\n",
       "test.toml:1:5: key 'a': integer -9223372036854775809 is outside the 64-bit range"},
      {"a = truex\n",
       "test.toml:1:5: key 'a': 'truex' is not a value (strings are written in quotes)"},
      {"a = " + std::string(50, '9') + "x\n",
       "test.toml:1:5: key 'a': '" + std::string(40, '9') + "...' is not a decimal integer"},
  };
  for (const Case& c : cases) {
    Result<TomlDocument> document = parse(c.text);
    ASSERT_FALSE(document.is_ok()) << "accepted: " << c.text;
    EXPECT_EQ(document.status().code(), StatusCode::kConfig);
    EXPECT_EQ(document.status().message(), c.message) << "for: " << c.text;
  }
}

TEST(TomlSubsetTest, EveryPrefixOfADocumentParsesOrFailsCleanly) {
  const std::string text =
      "# c\n[node]\nprofile = \"devnet\"  # x\nlist = [1, 2,\n  \"\\u00e9\", 'x']\nflag = true\n";
  ASSERT_TRUE(parse(text).is_ok());
  for (std::size_t length = 0; length < text.size(); ++length) {
    Result<TomlDocument> document = parse(std::string_view(text).substr(0, length));
    if (!document.is_ok()) {
      EXPECT_EQ(document.status().code(), StatusCode::kConfig);
      EXPECT_TRUE(document.status().message().starts_with("test.toml:"))
          << document.status().message();
    }
  }
}

}  // namespace
}  // namespace tc
