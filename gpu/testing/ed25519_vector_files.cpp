#include "gpu/testing/ed25519_vector_files.h"

#include <map>
#include <sstream>
#include <utility>

#include "gpu/testing/json_reader.h"
#include "gpu/testing/test_files.h"

namespace tc::gpu::test {
namespace {

// suite -> case id -> model_zip215 column ("accept" or "reject").
using VerdictTable = std::map<std::string, std::map<std::string, std::string>>;

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  std::string field;
  while (std::getline(in, field, separator)) fields.push_back(field);
  return fields;
}

bool load_verdict_table(const std::string& dir, VerdictTable* table, std::string* error) {
  const std::string path = dir + "/derived/ed25519_verdicts.tsv";
  std::string text;
  if (!read_file(path, &text)) {
    *error = path + ": cannot read";
    return false;
  }
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  std::size_t zip215_column = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> fields = split(line, '\t');
    if (fields.size() >= 2 && fields[0] == "suite") {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == "model_zip215") zip215_column = i;
      }
      continue;
    }
    if (zip215_column == 0 || fields.size() <= zip215_column ||
        (fields[zip215_column] != "accept" && fields[zip215_column] != "reject")) {
      *error = path + " line " + std::to_string(line_number) +
               ": expected a row with model_zip215 accept or reject after the header";
      return false;
    }
    (*table)[fields[0]][fields[1]] = fields[zip215_column];
  }
  return true;
}

bool load_json(const std::string& path, JsonValue* doc, std::string* error) {
  std::string text;
  if (!read_file(path, &text)) {
    *error = path + ": cannot read";
    return false;
  }
  std::string parse_error;
  if (!parse_json(text, doc, &parse_error)) {
    *error = path + ": " + parse_error;
    return false;
  }
  return true;
}

// Decodes the hex string member `key` of object into *out.
bool hex_member(const JsonValue& object, const char* key, std::vector<std::uint8_t>* out,
                const std::string& where, std::string* error) {
  const JsonValue* value = object.find(key);
  if (value == nullptr || !value->is_string() || !parse_hex(value->text(), out)) {
    *error = where + ": \"" + key + "\" is missing or not hex";
    return false;
  }
  return true;
}

// Reads `path` into *doc and returns its top-level array `key`, or null with an error.
const JsonValue* load_top_array(const std::string& path, const char* key, JsonValue* doc,
                                std::string* error) {
  if (!load_json(path, doc, error)) return nullptr;
  const JsonValue* array = doc->find(key);
  if (array == nullptr || !array->is_array()) {
    *error = path + ": no \"" + key + "\" array";
    return nullptr;
  }
  return array;
}

// The verdict of table[suite][id], or false with an error when the row is missing.
bool verdict_of(const VerdictTable& table, const std::string& suite, const std::string& id,
                bool* accept, std::string* error) {
  const auto rows = table.find(suite);
  if (rows == table.end() || rows->second.find(id) == rows->second.end()) {
    *error = "derived/ed25519_verdicts.tsv: no row for " + suite + " " + id;
    return false;
  }
  *accept = rows->second.at(id) == "accept";
  return true;
}

bool load_rfc8032(const std::string& dir, const VerdictTable& table, VectorSuite* suite,
                  std::string* error) {
  const std::string path = dir + "/" + suite->file;
  JsonValue doc;
  const JsonValue* vectors = load_top_array(path, "vectors", &doc, error);
  if (vectors == nullptr) return false;
  for (const JsonValue& v : vectors->items()) {
    const JsonValue* name = v.find("name");
    if (name == nullptr || !name->is_string()) {
      *error = path + ": a vector without a \"name\"";
      return false;
    }
    VectorCase c;
    c.name = "rfc8032 " + name->text();
    const std::string where = path + " " + name->text();
    if (!hex_member(v, "public_key", &c.pubkey, where, error) ||
        !hex_member(v, "signature", &c.sig, where, error) ||
        !hex_member(v, "message", &c.msg, where, error) ||
        !hex_member(v, "secret_key", &c.seed, where, error) ||
        !verdict_of(table, "rfc8032", name->text(), &c.expect_accept, error)) {
      return false;
    }
    suite->cases.push_back(std::move(c));
  }
  return true;
}

// SK:PK:MSG:SM: per line, SK = seed || PK, SM = signature || MSG; every line is valid.
bool load_supercop(const std::string& dir, VectorSuite* suite, std::string* error) {
  const std::string path = dir + "/" + suite->file;
  std::string text;
  if (!read_file(path, &text)) {
    *error = path + ": cannot read";
    return false;
  }
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::vector<std::string> fields = split(line, ':');
    VectorCase c;
    std::vector<std::uint8_t> secret, signed_message;
    if (fields.size() < 4 || !parse_hex(fields[0], &secret) || secret.size() != 64 ||
        !parse_hex(fields[1], &c.pubkey) || !parse_hex(fields[2], &c.msg) ||
        !parse_hex(fields[3], &signed_message) || signed_message.size() != 64 + c.msg.size()) {
      *error = path + " line " + std::to_string(line_number) +
               ": expected SK:PK:MSG:SM: with a 64-byte SK and SM = 64-byte signature || MSG";
      return false;
    }
    c.name = "supercop line " + std::to_string(line_number);
    c.sig.assign(signed_message.begin(), signed_message.begin() + 64);
    c.seed.assign(secret.begin(), secret.begin() + 32);
    c.expect_accept = true;
    suite->cases.push_back(std::move(c));
  }
  return true;
}

// Both Wycheproof layouts: testGroups[].{key_field}.pk and testGroups[].tests[].{tcId,msg,sig}.
bool load_wycheproof(const std::string& dir, const VerdictTable& table, const char* key_field,
                     VectorSuite* suite, std::string* error) {
  const std::string path = dir + "/" + suite->file;
  JsonValue doc;
  const JsonValue* groups = load_top_array(path, "testGroups", &doc, error);
  if (groups == nullptr) return false;
  for (const JsonValue& group : groups->items()) {
    const JsonValue* key = group.find(key_field);
    const JsonValue* tests = group.find("tests");
    std::vector<std::uint8_t> pubkey;
    if (key == nullptr || tests == nullptr || !tests->is_array() ||
        !hex_member(*key, "pk", &pubkey, path + " group", error)) {
      if (error->empty()) *error = path + ": a test group without \"" + key_field + "\" or tests";
      return false;
    }
    for (const JsonValue& t : tests->items()) {
      const JsonValue* id_value = t.find("tcId");
      std::int64_t id = 0;
      if (id_value == nullptr || !id_value->as_int(&id)) {
        *error = path + ": a test without an integer \"tcId\"";
        return false;
      }
      VectorCase c;
      c.name = std::string(suite->name) + " tcId " + std::to_string(id);
      c.pubkey = pubkey;
      if (!hex_member(t, "sig", &c.sig, c.name, error) ||
          !hex_member(t, "msg", &c.msg, c.name, error) ||
          !verdict_of(table, suite->name, std::to_string(id), &c.expect_accept, error)) {
        return false;
      }
      suite->cases.push_back(std::move(c));
    }
  }
  return true;
}

bool load_speccheck(const std::string& dir, VectorSuite* suite, std::string* error) {
  const std::string path = dir + "/" + suite->file;
  JsonValue doc;
  const JsonValue* cases = load_top_array(path, "cases", &doc, error);
  if (cases == nullptr) return false;
  for (const JsonValue& entry : cases->items()) {
    const JsonValue* index = entry.find("index");
    const JsonValue* expected = entry.find("expected");
    const JsonValue* zip215 = expected != nullptr ? expected->find("zip215") : nullptr;
    std::int64_t id = 0;
    if (index == nullptr || !index->as_int(&id) || zip215 == nullptr || !zip215->is_string() ||
        (zip215->text() != "accept" && zip215->text() != "reject")) {
      *error = path + ": a case without an integer \"index\" or expected.zip215 accept/reject";
      return false;
    }
    VectorCase c;
    c.name = "speccheck " + std::to_string(id);
    c.expect_accept = zip215->text() == "accept";
    if (!hex_member(entry, "pub_key", &c.pubkey, c.name, error) ||
        !hex_member(entry, "signature", &c.sig, c.name, error) ||
        !hex_member(entry, "message", &c.msg, c.name, error)) {
      return false;
    }
    suite->cases.push_back(std::move(c));
  }
  return true;
}

}  // namespace

bool load_ed25519_vectors(const std::string& dir, std::vector<VectorSuite>* suites,
                          std::string* error) {
  error->clear();
  suites->clear();
  // Counts from ../shared/testdata/README.md; accept counts as tests/gpu/ed25519_vectors_test.cpp
  // asserts them (Wycheproof v1: the 88 valid plus tcId 151, which ZIP-215 accepts).
  suites->push_back(VectorSuite{"rfc8032", "rfc8032_section7.1_ed25519.json", 5, 5, {}});
  suites->push_back(VectorSuite{"supercop", "supercop_sign.input", 1024, 1024, {}});
  suites->push_back(VectorSuite{"wycheproof_v1", "wycheproof_ed25519_test.json", 151, 89, {}});
  suites->push_back(
      VectorSuite{"wycheproof_legacy", "wycheproof_legacy_eddsa_test.json", 145, 84, {}});
  suites->push_back(VectorSuite{"speccheck", "speccheck_cases_annotated.json", 12, 9, {}});
  VerdictTable table;
  return load_verdict_table(dir, &table, error) && load_rfc8032(dir, table, &(*suites)[0], error) &&
         load_supercop(dir, &(*suites)[1], error) &&
         load_wycheproof(dir, table, "publicKey", &(*suites)[2], error) &&
         load_wycheproof(dir, table, "key", &(*suites)[3], error) &&
         load_speccheck(dir, &(*suites)[4], error);
}

}  // namespace tc::gpu::test
