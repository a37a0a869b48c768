#!/usr/bin/env python3
"""Test vectors for the UTXO set digest v1 (docs/formats/utxo_digest.md), computed independently
of the C++ code in core/utxo_digest.cpp: Python 3 standard library only (hashlib for SHA-256) and
a plain-Python ChaCha20 block function (RFC 8439 section 2.3), itself checked against the RFC's
section 2.3.2 vector before anything is printed.

For three fixed elements it prints the element encoding, the key, the first 8 lanes of each
expansion, and the digests of {}, {e1}, {e1,e2,e3} and {e1,e2,e3} minus e2. tests/core/
utxo_digest_test.cpp and the format page hard-code this output; rerun with no arguments:

    python3 scripts/vectors/utxo_digest_vectors.py
"""

import hashlib
import struct

ELEMENT_TAG = b"TIMECOIN/v1/utxo"  # 16 bytes
SET_TAG = b"TIMECOIN/v1/utxoset"  # 19 bytes
LANES = 1024
MASK32 = 0xFFFFFFFF


def rotl32(v, c):
    return ((v << c) & MASK32) | (v >> (32 - c))


def quarter_round(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK32
    s[d] = rotl32(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK32
    s[b] = rotl32(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK32
    s[d] = rotl32(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK32
    s[b] = rotl32(s[b] ^ s[c], 7)


def chacha20_block(key, counter, nonce):
    """RFC 8439 section 2.3: 64 keystream bytes for a 32-byte key, u32 counter, 12-byte nonce."""
    assert len(key) == 32 and len(nonce) == 12
    constants = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state = constants + list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce))
    working = list(state)
    for _ in range(10):
        quarter_round(working, 0, 4, 8, 12)
        quarter_round(working, 1, 5, 9, 13)
        quarter_round(working, 2, 6, 10, 14)
        quarter_round(working, 3, 7, 11, 15)
        quarter_round(working, 0, 5, 10, 15)
        quarter_round(working, 1, 6, 11, 12)
        quarter_round(working, 2, 7, 8, 13)
        quarter_round(working, 3, 4, 9, 14)
    return struct.pack("<16I", *[(w + s) & MASK32 for w, s in zip(working, state)])


def check_rfc8439_block():
    """RFC 8439 section 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, counter 1."""
    block = chacha20_block(bytes(range(32)), 1, bytes.fromhex("000000090000004a00000000"))
    expected = bytes.fromhex(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
    assert block == expected, "ChaCha20 block function fails RFC 8439 section 2.3.2"


def encode_element(txid, vout, value, pubkey_hash, height, coinbase):
    assert len(txid) == 32 and len(pubkey_hash) == 20 and coinbase in (0, 1)
    element = txid + struct.pack("<IQ", vout, value) + pubkey_hash + struct.pack("<QB", height, coinbase)
    assert len(element) == 73
    return element


def element_key(element):
    return hashlib.sha256(ELEMENT_TAG + element).digest()


def expansion(key):
    """The first 2048 keystream bytes (blocks 0..31, zero nonce) as 1024 little-endian u16 lanes."""
    stream = b"".join(chacha20_block(key, counter, bytes(12)) for counter in range(32))
    return list(struct.unpack("<1024H", stream))


def combine(lanes, element, sign):
    exp = expansion(element_key(element))
    return [(a + sign * b) & 0xFFFF for a, b in zip(lanes, exp)]


def digest(lanes):
    return hashlib.sha256(SET_TAG + struct.pack("<1024H", *lanes)).digest()


ELEMENTS = [
    # e1: a coinbase output: txid 00..1f, vout 0, 50 TIME, pubkey_hash 20..33, height 0.
    ("e1", bytes(range(32)), 0, 5_000_000_000, bytes(range(0x20, 0x34)), 0, 1),
    # e2: txid ab.., vout 1, 1 sat, pubkey_hash cd.., height 1, not coinbase.
    ("e2", b"\xab" * 32, 1, 1, b"\xcd" * 20, 1, 0),
    # e3: every integer at its maximum: vout 2^32-1, value 2^64-1, height 2^64-1.
    ("e3", b"\xff" * 32, 0xFFFFFFFF, 2**64 - 1, b"\xee" * 20, 2**64 - 1, 0),
]


def main():
    assert len(ELEMENT_TAG) == 16 and len(SET_TAG) == 19
    check_rfc8439_block()
    elements = {}
    for name, txid, vout, value, pubkey_hash, height, coinbase in ELEMENTS:
        element = encode_element(txid, vout, value, pubkey_hash, height, coinbase)
        elements[name] = element
        key = element_key(element)
        print(f"{name} element  = {element.hex()}")
        print(f"{name} key      = {key.hex()}")
        print(f"{name} lanes0-7 = {' '.join(f'{v:04x}' for v in expansion(key)[:8])}")

    empty = [0] * LANES
    one = combine(empty, elements["e1"], +1)
    three = combine(combine(one, elements["e2"], +1), elements["e3"], +1)
    # The same set built in another order must give the same lanes.
    assert three == combine(combine(combine(empty, elements["e3"], +1), elements["e1"], +1),
                            elements["e2"], +1)
    minus_e2 = combine(three, elements["e2"], -1)
    assert minus_e2 == combine(combine(empty, elements["e3"], +1), elements["e1"], +1)
    print(f"digest {{}}             = {digest(empty).hex()}")
    print(f"digest {{e1}}           = {digest(one).hex()}")
    print(f"digest {{e1,e2,e3}}     = {digest(three).hex()}")
    print(f"digest {{e1,e2,e3}}-e2  = {digest(minus_e2).hex()}")


if __name__ == "__main__":
    main()
