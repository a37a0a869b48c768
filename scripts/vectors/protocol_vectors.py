#!/usr/bin/env python3
"""Worked vectors of docs/protocol.md, computed from the text of that page alone (struct + hashlib),
independently of core/codec.cpp and core/hashing.cpp. tests/core/protocol_vectors_test.cpp pins the
same values; run this to regenerate them after a format change and compare."""
import hashlib
import struct


def fill(start, n):
    return bytes((start + i) % 256 for i in range(n))


def sha256(b):
    return hashlib.sha256(b).digest()


def tx_header(kind, chain_id, n_in, n_out, payload_len, lock_time):
    return struct.pack('<HBBIHHIQ', 1, kind, 0, chain_id, n_in, n_out, payload_len, lock_time)


def output(value, pkh):
    return struct.pack('<Q', value) + pkh + b'\0' * 4


def transaction(kind, lock_time, inputs, outputs, payload):
    """Returns (whole encoding, body without signatures)."""
    head = tx_header(kind, 1, len(inputs), len(outputs), len(payload), lock_time)
    whole, body = head, head
    for prev, vout, pubkey, sig in inputs:
        part = prev + struct.pack('<I', vout) + pubkey
        whole += part + sig
        body += part
    outs = b''.join(output(v, p) for v, p in outputs)
    return whole + outs + payload, body + outs + payload


def merkle(leaves):
    if not leaves:
        return sha256(b'')
    if len(leaves) == 1:
        return sha256(b'\x00' + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b'\x01' + merkle(leaves[:k]) + merkle(leaves[k:]))


def main():
    transfer = transaction(0, 0, [(fill(0x00, 32), 0, fill(0x20, 32), fill(0x40, 64)),
                                  (fill(0x80, 32), 7, fill(0xa0, 32), fill(0xc0, 64))],
                           [(150_000_000, fill(0x10, 20)), (49_990_000, fill(0x30, 20))], b'')
    coinbase = transaction(1, 0, [], [(5_000_000_000, fill(0x55, 20))], struct.pack('<Q', 812))
    # The first 112 payload bytes are what the proof of possession signs; possession_sig follows.
    reg_signed = (struct.pack('<B3x', 2) + fill(0x90, 32) + struct.pack('<I', 0) + fill(0xb0, 32) +
                  fill(0xd0, 20) + bytes(10) + b'\xff\xff' + bytes([192, 0, 2, 1]) +
                  struct.pack('<HH', 9333, 0))
    reg_payload = reg_signed + fill(0x15, 64)
    assert len(reg_payload) == 176
    registration = transaction(2, 811, [(fill(0x01, 32), 1, fill(0x21, 32), fill(0x41, 64))],
                               [(99_999_000, fill(0x61, 20))], reg_payload)
    whole, body = registration
    print('registration   ', whole.hex(), len(whole))
    print('  txid         ', sha256(body).hex())
    print('  wire hash    ', sha256(whole).hex())
    print('  sighash      ', sha256(b'TIMECOIN/v1/tx' + struct.pack('<I', 1) + body).hex())
    possession = sha256(b'TIMECOIN/v1/mn-pop' + struct.pack('<I', 1) + fill(0x01, 32) +
                        struct.pack('<I', 1) + reg_signed)
    print('  possession   ', possession.hex())
    # Evidence: a double prevote by fill(0x01,32) at height 812 round 2 (pairs in hash order).
    no_pol = 0xFFFFFFFF
    ev_payload = (fill(0x01, 32) + struct.pack('<QIB3x', 812, 2, 2) + fill(0x10, 32) +
                  struct.pack('<I', no_pol) + fill(0x40, 64) + fill(0x30, 32) +
                  struct.pack('<I', no_pol) + fill(0x80, 64))
    assert len(ev_payload) == 248
    evidence = transaction(3, 0, [], [], ev_payload)
    whole, body = evidence
    print('evidence       ', whole.hex(), len(whole))
    print('  txid         ', sha256(body).hex())
    print('  wire hash    ', sha256(whole).hex())
    print('  sighash      ', sha256(b'TIMECOIN/v1/tx' + struct.pack('<I', 1) + body).hex())
    for name, block_hash in (('a', fill(0x10, 32)), ('b', fill(0x30, 32))):
        sign_bytes = (b'TIMECOIN/v1/vote' + struct.pack('<IB3xQI4x', 1, 1, 812, 2) + block_hash)
        assert len(sign_bytes) == 72
        print('  vote digest ' + name, sha256(sign_bytes).hex())
    txs = [coinbase, transfer, registration]
    txids = [sha256(body) for _, body in txs]
    wire = [sha256(whole) for whole, _ in txs]
    tx_root, wtx_root = merkle(txids), merkle(wire)
    header = (struct.pack('<HHIQ', 2, 0, 1, 812) + fill(0xe0, 32) + tx_root + wtx_root +
              fill(0x70, 32) + struct.pack('<Q', 1_700_000_000_000) + fill(0x33, 32) +
              struct.pack('<II', 2, 3))
    assert len(header) == 192
    block = header + b''.join(struct.pack('<I', len(w)) + w for w, _ in txs)
    print('tx_root        ', tx_root.hex())
    print('wtx_root       ', wtx_root.hex())
    print('header         ', header.hex())
    print('block hash     ', sha256(header).hex())
    print('block bytes    ', len(block))
    print('SHA-256(block) ', sha256(block).hex())
    certificate = (struct.pack('<HHIQ', 1, 2, 2, 812) + sha256(header) + fill(0x70, 32) +
                   fill(0x90, 64) + fill(0x71, 32) + fill(0x91, 64))
    print('certificate    ', certificate.hex())
    # The same block with one signature bit flipped: txids and tx_root stay, wtx_root and the hash
    # move (the block hash binds every byte).
    flipped = bytearray(transfer[0])
    flipped[24 + 68] ^= 0x01  # first bit of the first input's sig
    wire_flipped = [wire[0], sha256(bytes(flipped)), wire[2]]
    print('wtx_root, transfer sig bit 0 flipped', merkle(wire_flipped).hex())


if __name__ == '__main__':
    main()
