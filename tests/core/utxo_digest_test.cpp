// Goal: the UTXO set digest (core/utxo_digest.h) follows docs/formats/utxo_digest.md, and its
// ChaCha20 (core/chacha20.h) is RFC 8439's.
//
// Method: ChaCha20 is checked against the RFC's published vectors and, over seeded random keys,
// nonces, counters and lengths, against libsodium's crypto_stream_chacha20_ietf (the same
// function from an independent implementation). The digest is checked against vectors printed by
// scripts/vectors/utxo_digest_vectors.py, a plain-Python implementation written from the format
// page (its output is pasted below unchanged), and its algebra (order independence, inverses,
// unions) over seeded random sets.
//
// Scenarios:
//   - RFC 8439 §2.3.2 block function; §2.4.2 keystream XOR plaintext = ciphertext (114 bytes, so
//     the last block is cut short)
//   - chacha20_keystream = chacha20_block per block = libsodium, lengths 0..5000 (sliced runs of
//     32 blocks and single tail blocks), random counters
//   - chacha20_sliced_blocks on every backend this CPU has (portable, AVX2, AVX-512) = the single
//     block function, word by word; the dispatched backend is one of them
//   - element encoding, key, the first 8 lanes of each expansion and the digests of {}, {e1},
//     {e1,e2,e3}, {e1,e2,e3} minus e2: the Python vectors
//   - the state of {e} serialises to exactly the 2048 keystream bytes of e's key (all lanes)
//   - the empty set: all-zero state, digest = SHA-256(tag | 2048 zero bytes)
//   - order independence: 300 random elements added in three shuffled orders, and as the union
//     of two disjoint halves, give one state
//   - add then remove (and remove then add) of the same element restores the state; subtract()
//     undoes add(other)
//   - parse(serialize(s)) == s on random states; sizes other than 2048 are kMalformed naming both
#include "core/utxo_digest.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/chacha20.h"
#include "core/sha2.h"

namespace tc {
namespace {

template <std::size_t N>
FixedBytes<N> fixed_hex(std::string_view text) {
  auto value = fixed_from_hex<N>(text);
  EXPECT_TRUE(value.is_ok()) << text;
  return value.is_ok() ? *value : FixedBytes<N>{};
}

template <std::size_t N>
FixedBytes<N> random_fixed(std::mt19937_64& rng) {
  FixedBytes<N> value;
  for (auto& b : value.bytes) b = static_cast<std::uint8_t>(rng());
  return value;
}

// ---- ChaCha20 -----------------------------------------------------------------------------------

// RFC 8439 §2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block counter 1.
TEST(ChaCha20, Rfc8439BlockFunction) {
  ChaCha20Key key;
  for (int i = 0; i < 32; ++i) key.bytes[i] = static_cast<std::uint8_t>(i);
  const auto nonce = fixed_hex<12>("000000090000004a00000000");
  std::uint8_t block[64];
  chacha20_block(key, 1, nonce, block);
  EXPECT_EQ(to_hex(ByteSpan(block, 64)),
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

// RFC 8439 §2.4.2: key 00..1f, nonce 00:00:00:00:00:00:00:4a:00:00:00:00, initial counter 1.
TEST(ChaCha20, Rfc8439Encryption) {
  ChaCha20Key key;
  for (int i = 0; i < 32; ++i) key.bytes[i] = static_cast<std::uint8_t>(i);
  const auto nonce = fixed_hex<12>("000000000000004a00000000");
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
      "sunscreen would be it.";
  ASSERT_EQ(plaintext.size(), 114u);
  Bytes stream(plaintext.size());
  chacha20_keystream(key, 1, nonce, stream);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    stream[i] ^= static_cast<std::uint8_t>(plaintext[i]);
  }
  EXPECT_EQ(to_hex(stream),
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            "5af90bbf74a35be6b40b8eedf2785e42874d");
}

TEST(ChaCha20, KeystreamMatchesSingleBlocksAndLibsodium) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937_64 rng(8439);
  for (int trial = 0; trial < 200; ++trial) {
    const auto key = random_fixed<32>(rng);
    const auto nonce = random_fixed<12>(rng);
    const auto counter = static_cast<std::uint32_t>(rng() % 1'000'000);
    const std::size_t length = trial < 20 ? static_cast<std::size_t>(trial) : rng() % 5000;
    Bytes stream(length);
    chacha20_keystream(key, counter, nonce, stream);

    Bytes by_blocks((length + 63) / 64 * 64);
    for (std::size_t b = 0; b * 64 < length; ++b) {
      chacha20_block(key, counter + static_cast<std::uint32_t>(b), nonce,
                     by_blocks.data() + 64 * b);
    }
    by_blocks.resize(length);
    EXPECT_EQ(stream, by_blocks) << "trial " << trial << " length " << length;

    Bytes sodium(length);
    const Bytes zeros(length);
    crypto_stream_chacha20_ietf_xor_ic(sodium.data(), zeros.data(), length, nonce.data(), counter,
                                       key.data());
    EXPECT_EQ(stream, sodium) << "trial " << trial << " length " << length;
  }
}

TEST(ChaCha20, SlicedBlocksOnEveryBackend) {
  std::mt19937_64 rng(32);
  int backends_run = 0;
  for (ChaCha20Backend backend :
       {ChaCha20Backend::kPortable, ChaCha20Backend::kAvx2, ChaCha20Backend::kAvx512}) {
    if (!chacha20_backend_available(backend)) {
      std::printf("chacha20 backend %s: not available on this CPU, skipped\n",
                  std::string(chacha20_backend_name(backend)).c_str());
      continue;
    }
    ++backends_run;
    SCOPED_TRACE(std::string(chacha20_backend_name(backend)));
    for (int trial = 0; trial < 50; ++trial) {
      const auto key = random_fixed<32>(rng);
      const auto nonce = random_fixed<12>(rng);
      const auto counter = static_cast<std::uint32_t>(trial == 0 ? 0 : rng() % (1u << 31));
      ChaCha20SlicedBlocks sliced;
      chacha20_sliced_blocks(backend, key, counter, nonce, sliced);
      for (std::size_t b = 0; b < kChaCha20SlicedBlocks; ++b) {
        std::uint8_t block[64];
        chacha20_block(key, counter + static_cast<std::uint32_t>(b), nonce, block);
        for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
          ASSERT_EQ(sliced.words[w][b], load_u32_le(block + 4 * w))
              << "trial " << trial << " block " << b << " word " << w;
        }
      }
    }
  }
  EXPECT_GE(backends_run, 1);
  EXPECT_TRUE(chacha20_backend_available(chacha20_sliced_backend()));
}

// ---- UTXO set digest: vectors from scripts/vectors/utxo_digest_vectors.py ----------------------

struct Element {
  OutPoint outpoint;
  TxOutput output;
  std::uint64_t height = 0;
  bool coinbase = false;
};

void add(UtxoSetDigest& set, const Element& e) {
  set.add(e.outpoint, e.output, e.height, e.coinbase);
}
void remove(UtxoSetDigest& set, const Element& e) {
  set.remove(e.outpoint, e.output, e.height, e.coinbase);
}

Bytes serialized(const UtxoSetDigest& set) {
  Bytes bytes(UtxoSetDigest::kStateBytes);
  set.serialize(bytes.data());
  return bytes;
}

// The three elements of the script, built from the same field values.
Element vector_element(int which) {
  Element e;
  switch (which) {
    case 1:  // a coinbase output: txid 00..1f, vout 0, 50 TIME, pubkey_hash 20..33, height 0
      for (int i = 0; i < 32; ++i) e.outpoint.txid.bytes[i] = static_cast<std::uint8_t>(i);
      e.outpoint.vout = 0;
      e.output.value = Amount(5'000'000'000);
      for (int i = 0; i < 20; ++i)
        e.output.pubkey_hash.bytes[i] = static_cast<std::uint8_t>(0x20 + i);
      e.height = 0;
      e.coinbase = true;
      break;
    case 2:  // txid ab.., vout 1, 1 sat, pubkey_hash cd.., height 1, not coinbase
      e.outpoint.txid.bytes.fill(0xab);
      e.outpoint.vout = 1;
      e.output.value = Amount(1);
      e.output.pubkey_hash.bytes.fill(0xcd);
      e.height = 1;
      e.coinbase = false;
      break;
    default:  // every integer at its maximum
      e.outpoint.txid.bytes.fill(0xff);
      e.outpoint.vout = 0xffffffff;
      e.output.value = Amount(~std::uint64_t{0});
      e.output.pubkey_hash.bytes.fill(0xee);
      e.height = ~std::uint64_t{0};
      e.coinbase = false;
      break;
  }
  return e;
}

// Output of `python3 scripts/vectors/utxo_digest_vectors.py`, pasted unchanged.
struct ElementVector {
  const char* element;
  const char* key;
  std::uint16_t lanes[8];
};
constexpr ElementVector kElementVectors[3] = {
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0000000000f2052a01000000"
     "202122232425262728292a2b2c2d2e2f30313233000000000000000001",
     "844ab8a4f012da4084e9d7b7597cdb8eb883e96619f4a5a0322fd4c51794adb4",
     {0xcceb, 0x7fa2, 0x4ac4, 0xb3eb, 0x4727, 0xa8b0, 0xd41f, 0x95d0}},
    {"abababababababababababababababababababababababababababababababab010000000100000000000000"
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd010000000000000000",
     "a3b1f22ba0286d6d41f188b53fc276f79cf2a8a159109f2675424093285afa81",
     {0x5732, 0x10aa, 0x8447, 0x5251, 0x11db, 0xa99a, 0xdaaa, 0x27db}},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeffffffffffffffff00",
     "4167cf52b984aed7e1735a263d2dff139f76ba1a5f229d143e638c8491dee22f",
     {0x1e5f, 0x5a10, 0x2716, 0x54ef, 0x0c4f, 0xa9c7, 0xa414, 0x0d09}},
};
constexpr const char* kDigestEmpty =
    "d4de7c7af6daf94e847a33443e62e9fe22e306a1bb67275c292dfbb3d252d2c2";
constexpr const char* kDigestE1 =
    "e0b0d0044bb0a95f0b26b5476fbd5fcb24f5ed257011abc8f188a76beec56931";
constexpr const char* kDigestE1E2E3 =
    "c4bdbe7329434f46ad15126bd3f2769e19c04c91a730334e1a2823dcfcf0ccbe";
constexpr const char* kDigestE1E2E3MinusE2 =
    "49b708aecaa81d140ddda1ff8bb9e593b88c24c3126cbfb49e3769d6544a75b5";

TEST(UtxoSetDigest, PythonVectorsElementKeyAndLanes) {
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("e" + std::to_string(i + 1));
    const Element e = vector_element(i + 1);
    const ElementVector& expected = kElementVectors[i];
    std::uint8_t element[kUtxoElementBytes];
    encode_utxo_element(e.outpoint, e.output, e.height, e.coinbase, element);
    EXPECT_EQ(to_hex(ByteSpan(element, kUtxoElementBytes)), expected.element);
    EXPECT_EQ(to_hex(utxo_element_key(e.outpoint, e.output, e.height, e.coinbase)), expected.key);

    UtxoSetDigest set;
    add(set, e);
    const Bytes state = serialized(set);
    for (int lane = 0; lane < 8; ++lane) {
      EXPECT_EQ(load_u16_le(state.data() + 2 * lane), expected.lanes[lane]) << "lane " << lane;
    }
  }
}

TEST(UtxoSetDigest, PythonVectorsDigests) {
  const Element e1 = vector_element(1), e2 = vector_element(2), e3 = vector_element(3);
  UtxoSetDigest set;
  EXPECT_EQ(to_hex(set.digest()), kDigestEmpty);
  add(set, e1);
  EXPECT_EQ(to_hex(set.digest()), kDigestE1);
  add(set, e2);
  add(set, e3);
  EXPECT_EQ(to_hex(set.digest()), kDigestE1E2E3);
  remove(set, e2);
  EXPECT_EQ(to_hex(set.digest()), kDigestE1E2E3MinusE2);
}

// The whole expansion, not only its first 8 lanes, is the keystream in lane order: this pins the
// word-sliced internal order to the format.
TEST(UtxoSetDigest, ExpansionIsTheKeystream) {
  std::mt19937_64 rng(73);
  for (int trial = 0; trial < 20; ++trial) {
    Element e;
    e.outpoint.txid = random_fixed<32>(rng);
    e.outpoint.vout = static_cast<std::uint32_t>(rng());
    e.output.value = Amount(rng());
    e.output.pubkey_hash = random_fixed<20>(rng);
    e.height = rng();
    e.coinbase = rng() % 2 == 1;
    const Hash256 key = utxo_element_key(e.outpoint, e.output, e.height, e.coinbase);
    Bytes stream(UtxoSetDigest::kStateBytes);
    chacha20_keystream(ChaCha20Key{key.bytes}, 0, ChaCha20Nonce{}, stream);
    UtxoSetDigest set;
    add(set, e);
    EXPECT_EQ(serialized(set), stream) << "trial " << trial;
    // Removing from the empty set gives the negated keystream.
    UtxoSetDigest negated;
    remove(negated, e);
    const Bytes negated_state = serialized(negated);
    for (std::size_t lane = 0; lane < UtxoSetDigest::kLanes; ++lane) {
      const auto expected = static_cast<std::uint16_t>(0 - load_u16_le(stream.data() + 2 * lane));
      ASSERT_EQ(load_u16_le(negated_state.data() + 2 * lane), expected) << "lane " << lane;
    }
  }
}

TEST(UtxoSetDigest, EmptySet) {
  const UtxoSetDigest empty;
  EXPECT_EQ(serialized(empty), Bytes(UtxoSetDigest::kStateBytes, 0));
  Bytes preimage(kUtxoSetTag.begin(), kUtxoSetTag.end());
  ASSERT_EQ(preimage.size(), 19u);
  preimage.resize(19 + UtxoSetDigest::kStateBytes, 0);
  EXPECT_EQ(empty.digest(), sha256(preimage));
  EXPECT_EQ(to_hex(empty.digest()), kDigestEmpty);
}

// ---- UTXO set digest: algebra over random sets -------------------------------------------------

std::vector<Element> random_elements(std::mt19937_64& rng, std::size_t count) {
  std::vector<Element> elements(count);
  for (Element& e : elements) {
    e.outpoint.txid = random_fixed<32>(rng);
    e.outpoint.vout = static_cast<std::uint32_t>(rng() % 8);
    e.output.value = Amount(rng() % 1'000'000'000'000);
    e.output.pubkey_hash = random_fixed<20>(rng);
    e.height = rng() % 1'000'000;
    e.coinbase = rng() % 10 == 0;
  }
  return elements;
}

TEST(UtxoSetDigest, OrderIndependence) {
  std::mt19937_64 rng(20190731);
  std::vector<Element> elements = random_elements(rng, 300);
  UtxoSetDigest in_order;
  for (const Element& e : elements) add(in_order, e);
  EXPECT_NE(in_order, UtxoSetDigest());
  for (int shuffle = 0; shuffle < 3; ++shuffle) {
    std::shuffle(elements.begin(), elements.end(), rng);
    UtxoSetDigest shuffled;
    for (const Element& e : elements) add(shuffled, e);
    EXPECT_EQ(shuffled, in_order) << "shuffle " << shuffle;
    EXPECT_EQ(shuffled.digest(), in_order.digest());
  }
  // The union of two disjoint halves, built separately.
  UtxoSetDigest first_half, second_half;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    add(i < elements.size() / 2 ? first_half : second_half, elements[i]);
  }
  UtxoSetDigest joined = first_half;
  joined.add(second_half);
  EXPECT_EQ(joined, in_order);
  joined.subtract(second_half);
  EXPECT_EQ(joined, first_half);
}

TEST(UtxoSetDigest, AddRemoveInverse) {
  std::mt19937_64 rng(16);
  const std::vector<Element> base = random_elements(rng, 50);
  UtxoSetDigest set;
  for (const Element& e : base) add(set, e);
  const UtxoSetDigest before = set;
  for (const Element& e : random_elements(rng, 50)) {
    add(set, e);
    EXPECT_NE(set, before);
    remove(set, e);
    EXPECT_EQ(set, before);
    remove(set, e);
    add(set, e);
    EXPECT_EQ(set, before);
  }
  // A block's worth: spend ten members, create ten new outputs, then undo in another order.
  const std::vector<Element> created = random_elements(rng, 10);
  for (int i = 0; i < 10; ++i) remove(set, base[i]);
  for (const Element& e : created) add(set, e);
  EXPECT_NE(set.digest(), before.digest());
  for (int i = 9; i >= 0; --i) {
    remove(set, created[i]);
    add(set, base[i]);
  }
  EXPECT_EQ(set, before);
  EXPECT_EQ(set.digest(), before.digest());
  // Changing any field of an element changes its expansion.
  Element changed = base[0];
  changed.coinbase = !changed.coinbase;
  UtxoSetDigest a, b;
  add(a, base[0]);
  add(b, changed);
  EXPECT_NE(a, b);
}

TEST(UtxoSetDigest, ParseRoundTrip) {
  std::mt19937_64 rng(2048);
  for (int trial = 0; trial < 10; ++trial) {
    Bytes state(UtxoSetDigest::kStateBytes);
    for (auto& b : state) b = static_cast<std::uint8_t>(rng());
    auto parsed = UtxoSetDigest::parse(state);
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    EXPECT_EQ(serialized(*parsed), state);
    auto again = UtxoSetDigest::parse(serialized(*parsed));
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ(*again, *parsed);
  }
  UtxoSetDigest set;
  for (const Element& e : random_elements(rng, 5)) add(set, e);
  auto parsed = UtxoSetDigest::parse(serialized(set));
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(*parsed, set);
  EXPECT_EQ(parsed->digest(), set.digest());
}

TEST(UtxoSetDigest, ParseRejectsWrongSize) {
  for (std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{2047}, std::size_t{2049}, std::size_t{4096}}) {
    const Bytes bytes(size, 0);
    auto parsed = UtxoSetDigest::parse(bytes);
    ASSERT_FALSE(parsed.is_ok()) << size;
    EXPECT_EQ(parsed.status().code(), StatusCode::kMalformed);
    const std::string message(parsed.status().message());
    EXPECT_NE(message.find("expected 2048 bytes, got " + std::to_string(size)), std::string::npos)
        << message;
  }
}

}  // namespace
}  // namespace tc
