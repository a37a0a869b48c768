-- Wireshark dissector for TimeCoin traffic (docs/dissector.md explains installing and using it):
--   * "timecoin": UDP ingress datagrams, one canonical transaction each (docs/formats/ingress.md,
--     docs/formats/transaction.md), on UDP 24002 (mainnet) and 24102 (testnet);
--   * "timecoin_p2p": P2P frames over TCP 24000 (mainnet) and 24100 (testnet)
--     (docs/formats/p2p.md): the 20-byte header, the Protobuf envelope of net/proto/p2p.proto
--     walked by field number, and inside it the canonical bytes of votes, proposals, blocks,
--     certificates and transactions (docs/formats/consensus.md, block.md, transaction.md).
-- Whatever breaks a rule of those pages is marked with the expert info "malformed" (group
-- Malformed), naming the rule the way the node's own decoder does (core/codec.h DecodeError names,
-- net/frame.h FrameViolation names); no input makes the script raise a Lua error.
-- Written for the Wireshark 4.x Lua API (Lua 5.2 to 5.4).

local kTxPorts = "24002,24102"
local kP2pPorts = "24000,24100"

-- ---- Bit operations: bit32 (Lua 5.2), LuaBitOp (bundled by older Wireshark) or native (5.3+).
local bxor, band, rshift
if bit32 then
  bxor, band, rshift = bit32.bxor, bit32.band, bit32.rshift
elseif bit then
  bxor = function(a, b) return bit.bxor(a, b) % 4294967296 end
  band = function(a, b) return bit.band(a, b) % 4294967296 end
  rshift = function(a, n) return bit.rshift(a, n) % 4294967296 end
else
  bxor, band, rshift = load(
    "return function(a, b) return a ~ b end, function(a, b) return a & b end, " ..
    "function(a, n) return (a & 0xFFFFFFFF) >> n end")()
end

-- CRC32C (Castagnoli, reflected polynomial 0x82F63B78, pre- and post-inverted), as the frame's.
local crc32c_table = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if band(c, 1) == 1 then c = bxor(rshift(c, 1), 0x82F63B78) else c = rshift(c, 1) end
  end
  crc32c_table[i] = c
end

local function crc32c(bytes)
  local crc = 0xFFFFFFFF
  local byte = string.byte
  for i = 1, #bytes do
    crc = bxor(rshift(crc, 8), crc32c_table[band(bxor(crc, byte(bytes, i)), 0xFF)])
  end
  return bxor(crc, 0xFFFFFFFF)
end

-- ---- Protocols, preferences and expert infos
local tc_tx = Proto("timecoin", "TimeCoin ingress transaction")
local tc_p2p = Proto("timecoin_p2p", "TimeCoin P2P")

tc_tx.prefs.udp_ports = Pref.range("UDP ingress ports", kTxPorts,
  "UDP ports whose datagrams are TimeCoin transactions", 65535)
tc_p2p.prefs.tcp_ports = Pref.range("TCP P2P ports", kP2pPorts,
  "TCP ports that carry TimeCoin P2P frames", 65535)
tc_p2p.prefs.check_crc = Pref.bool("Check payload CRC32C", true,
  "Compute the CRC32C of every frame payload and mark a mismatch malformed (bad_crc)")
tc_p2p.prefs.inflate = Pref.bool("Inflate compressed payloads", true,
  "Inflate raw-DEFLATE payloads (flag bit 0) and dissect the message inside")

local tx_malformed = ProtoExpert.new("timecoin.malformed", "Malformed TimeCoin data",
  expert.group.MALFORMED, expert.severity.ERROR)
local p2p_malformed = ProtoExpert.new("timecoin_p2p.malformed", "Malformed TimeCoin P2P data",
  expert.group.MALFORMED, expert.severity.ERROR)
local p2p_undecoded = ProtoExpert.new("timecoin_p2p.compressed", "Compressed payload not inflated",
  expert.group.UNDECODED, expert.severity.NOTE)
tc_tx.experts = { tx_malformed }
tc_p2p.experts = { p2p_malformed, p2p_undecoded }

-- ---- Canonical fields (registered under "timecoin"; used from both dissectors)
local tx_kinds = { [0] = "transfer", [1] = "coinbase", [2] = "registration", [3] = "evidence" }
local vote_types = { [1] = "prevote", [2] = "precommit" }
local sign_steps = { [1] = "proposal", [2] = "prevote", [3] = "precommit" }

local F = {}
local function field(key, ctor, abbrev, name, ...)
  F[key] = ctor(abbrev, name, ...)
end
local u8, u16, u32, u64 = ProtoField.uint8, ProtoField.uint16, ProtoField.uint32, ProtoField.uint64
local raw = ProtoField.bytes

field("tx", ProtoField.none, "timecoin.tx", "Transaction")
field("tx_version", u16, "timecoin.tx.version", "Version")
field("tx_kind", u8, "timecoin.tx.kind", "Kind", base.DEC, tx_kinds)
field("tx_reserved", u8, "timecoin.tx.reserved", "Reserved")
field("tx_chain_id", u32, "timecoin.tx.chain_id", "Chain id")
field("tx_input_count", u16, "timecoin.tx.input_count", "Input count")
field("tx_output_count", u16, "timecoin.tx.output_count", "Output count")
field("tx_payload_bytes", u32, "timecoin.tx.payload_bytes", "Payload bytes")
field("tx_lock_time", u64, "timecoin.tx.lock_time", "Lock time")
field("in", ProtoField.none, "timecoin.tx.input", "Input")
field("in_prev_txid", raw, "timecoin.tx.input.prev_txid", "Previous txid")
field("in_prev_vout", u32, "timecoin.tx.input.prev_vout", "Previous vout")
field("in_pubkey", raw, "timecoin.tx.input.pubkey", "Public key")
field("in_sig", raw, "timecoin.tx.input.signature", "Signature")
field("out", ProtoField.none, "timecoin.tx.output", "Output")
field("out_value", u64, "timecoin.tx.output.value", "Value (sat)")
field("out_pubkey_hash", raw, "timecoin.tx.output.pubkey_hash", "Address (pubkey hash)")
field("out_reserved", u32, "timecoin.tx.output.reserved", "Reserved")
field("payload", raw, "timecoin.tx.payload", "Payload")
field("cb_height", u64, "timecoin.tx.coinbase.height", "Coinbase height")
field("reg_tier", u8, "timecoin.tx.registration.tier", "Tier")
field("reg_reserved", raw, "timecoin.tx.registration.reserved", "Reserved")
field("reg_collateral_txid", raw, "timecoin.tx.registration.collateral_txid", "Collateral txid")
field("reg_collateral_vout", u32, "timecoin.tx.registration.collateral_vout", "Collateral vout")
field("reg_consensus_pubkey", raw, "timecoin.tx.registration.consensus_pubkey", "Consensus pubkey")
field("reg_reward_hash", raw, "timecoin.tx.registration.reward_pubkey_hash", "Reward pubkey hash")
field("reg_address", ProtoField.ipv6, "timecoin.tx.registration.p2p_address", "P2P address")
field("reg_port", u16, "timecoin.tx.registration.p2p_port", "P2P port")
field("reg_possession_sig", raw, "timecoin.tx.registration.possession_sig", "Possession signature")
field("ev_validator", raw, "timecoin.tx.evidence.validator", "Validator")
field("ev_height", u64, "timecoin.tx.evidence.height", "Height")
field("ev_round", u32, "timecoin.tx.evidence.round", "Round")
field("ev_step", u8, "timecoin.tx.evidence.step", "Step", base.DEC, sign_steps)
field("ev_reserved", raw, "timecoin.tx.evidence.reserved", "Reserved")
field("ev_hash", raw, "timecoin.tx.evidence.block_hash", "Block hash")
field("ev_pol_round", u32, "timecoin.tx.evidence.pol_round", "POL round", base.HEX)
field("ev_sig", raw, "timecoin.tx.evidence.signature", "Signature")

field("block", ProtoField.none, "timecoin.block", "Block")
field("bh", ProtoField.none, "timecoin.block.header", "Block header")
field("bh_version", u16, "timecoin.block.version", "Version")
field("bh_reserved", u16, "timecoin.block.reserved", "Reserved")
field("bh_chain_id", u32, "timecoin.block.chain_id", "Chain id")
field("bh_height", u64, "timecoin.block.height", "Height")
field("bh_prev_hash", raw, "timecoin.block.prev_hash", "Previous block hash")
field("bh_tx_root", raw, "timecoin.block.tx_root", "Transaction root")
field("bh_wtx_root", raw, "timecoin.block.wtx_root", "Wire-hash root")
field("bh_utxo_digest", raw, "timecoin.block.utxo_digest", "UTXO digest")
field("bh_timestamp", u64, "timecoin.block.timestamp_ms", "Timestamp (ms)")
field("bh_proposer", raw, "timecoin.block.proposer", "Proposer")
field("bh_round", u32, "timecoin.block.round", "Round")
field("bh_tx_count", u32, "timecoin.block.tx_count", "Transaction count")
field("block_tx_bytes", u32, "timecoin.block.tx_bytes", "Transaction bytes")

field("cert", ProtoField.none, "timecoin.cert", "Commit certificate")
field("cert_version", u16, "timecoin.cert.version", "Version")
field("cert_sig_count", u16, "timecoin.cert.signature_count", "Signature count")
field("cert_round", u32, "timecoin.cert.round", "Round")
field("cert_height", u64, "timecoin.cert.height", "Height")
field("cert_block_hash", raw, "timecoin.cert.block_hash", "Block hash")
field("cert_validator", raw, "timecoin.cert.validator", "Validator")
field("cert_sig", raw, "timecoin.cert.signature", "Signature")

field("vote", ProtoField.none, "timecoin.vote", "Vote")
field("vote_version", u16, "timecoin.vote.version", "Version")
field("vote_type", u8, "timecoin.vote.type", "Type", base.DEC, vote_types)
field("vote_reserved", raw, "timecoin.vote.reserved", "Reserved")
field("vote_validator_index", u32, "timecoin.vote.validator_index", "Validator index")
field("vote_height", u64, "timecoin.vote.height", "Height")
field("vote_round", u32, "timecoin.vote.round", "Round")
field("vote_block_hash", raw, "timecoin.vote.block_hash", "Block hash (zero = nil)")
field("vote_sig", raw, "timecoin.vote.signature", "Signature")

field("prop", ProtoField.none, "timecoin.proposal", "Proposal")
field("prop_version", u16, "timecoin.proposal.version", "Version")
field("prop_reserved", u16, "timecoin.proposal.reserved", "Reserved")
field("prop_proposer_index", u32, "timecoin.proposal.proposer_index", "Proposer index")
field("prop_height", u64, "timecoin.proposal.height", "Height")
field("prop_round", u32, "timecoin.proposal.round", "Round")
field("prop_pol_round", u32, "timecoin.proposal.pol_round", "POL round (0xffffffff = none)",
  base.HEX)
field("prop_block_hash", raw, "timecoin.proposal.block_hash", "Block hash")
field("prop_sig", raw, "timecoin.proposal.signature", "Signature")
field("prop_payload_bytes", u32, "timecoin.proposal.payload_bytes", "Payload bytes")

local canonical_fields = {}
for _, f in pairs(F) do canonical_fields[#canonical_fields + 1] = f end
tc_tx.fields = canonical_fields

-- ---- Canonical decoders. Each takes a TvbRange holding exactly the object and a tree, adds the
-- fields, and returns nil or the DecodeError name of the first rule broken (after marking it).
local kTxHeaderBytes, kInputBytes, kOutputBytes = 24, 132, 32
local kPayloadBytesByKind = { [0] = 0, [1] = 8, [2] = 176, [3] = 248 }
local kMaxTransactionBytes = 100000

local function malformed(tree, expert_field, rule, detail)
  tree:add_proto_expert_info(expert_field, "malformed: " .. rule .. ": " .. detail)
  return rule
end

local function all_zero(range)
  local bytes = range:raw()
  return not bytes:find("[^%z]")
end

local function dissect_payload(range, kind, tree, ex)
  if kind == 1 then
    tree:add_le(F.cb_height, range)
  elseif kind == 2 then
    tree:add(F.reg_tier, range(0, 1))
    tree:add(F.reg_reserved, range(1, 3))
    tree:add(F.reg_collateral_txid, range(4, 32))
    tree:add_le(F.reg_collateral_vout, range(36, 4))
    tree:add(F.reg_consensus_pubkey, range(40, 32))
    tree:add(F.reg_reward_hash, range(72, 20))
    tree:add(F.reg_address, range(92, 16))
    tree:add_le(F.reg_port, range(108, 2))
    tree:add(F.reg_reserved, range(110, 2))
    tree:add(F.reg_possession_sig, range(112, 64))
    if not all_zero(range(1, 3)) or not all_zero(range(110, 2)) then
      return malformed(tree, ex, "nonzero_reserved", "registration reserved bytes")
    end
  elseif kind == 3 then
    tree:add(F.ev_validator, range(0, 32))
    tree:add_le(F.ev_height, range(32, 8))
    tree:add_le(F.ev_round, range(40, 4))
    tree:add(F.ev_step, range(44, 1))
    tree:add(F.ev_reserved, range(45, 3))
    tree:add(F.ev_hash, range(48, 32))
    tree:add_le(F.ev_pol_round, range(80, 4))
    tree:add(F.ev_sig, range(84, 64))
    tree:add(F.ev_hash, range(148, 32))
    tree:add_le(F.ev_pol_round, range(180, 4))
    tree:add(F.ev_sig, range(184, 64))
    if not all_zero(range(45, 3)) then
      return malformed(tree, ex, "nonzero_reserved", "evidence reserved bytes")
    end
  end
  return nil
end

-- Returns the subtree, the error (nil when well formed) and a one-line summary.
local function dissect_transaction(range, parent, ex, label)
  local size = range:len()
  local tree = parent:add(F.tx, range)
  tree:set_text((label or "Transaction") .. " (" .. size .. " bytes)")
  if size > kMaxTransactionBytes then
    return tree, malformed(tree, ex, "oversize", size .. " bytes"), "oversize"
  end
  if size < kTxHeaderBytes then
    return tree, malformed(tree, ex, "truncated", size .. " bytes, header needs 24"), "truncated"
  end
  local version = range(0, 2):le_uint()
  local kind = range(2, 1):uint()
  local inputs = range(8, 2):le_uint()
  local outputs = range(10, 2):le_uint()
  local payload_bytes = range(12, 4):le_uint()
  tree:add_le(F.tx_version, range(0, 2))
  tree:add(F.tx_kind, range(2, 1))
  tree:add(F.tx_reserved, range(3, 1))
  tree:add_le(F.tx_chain_id, range(4, 4))
  tree:add_le(F.tx_input_count, range(8, 2))
  tree:add_le(F.tx_output_count, range(10, 2))
  tree:add_le(F.tx_payload_bytes, range(12, 4))
  tree:add_le(F.tx_lock_time, range(16, 8))
  local summary = (tx_kinds[kind] or "kind " .. kind) .. " " .. inputs .. " in, " .. outputs .. " out"
  tree:append_text(": " .. summary)
  local function fail(rule, detail) return tree, malformed(tree, ex, rule, detail), summary end
  if version ~= 1 then return fail("unknown_version", "version " .. version) end
  if tx_kinds[kind] == nil then return fail("unknown_kind", "kind " .. kind) end
  if range(3, 1):uint() ~= 0 then return fail("nonzero_reserved", "header reserved byte") end
  if kind == 3 and (inputs ~= 0 or outputs ~= 0) then
    return fail("value_on_evidence", inputs .. " inputs, " .. outputs .. " outputs")
  end
  if kind ~= 3 and outputs == 0 then return fail("no_outputs", "output_count 0") end
  if kind == 1 and inputs ~= 0 then return fail("inputs_on_coinbase", inputs .. " inputs") end
  if (kind == 0 or kind == 2) and inputs == 0 then return fail("no_inputs", "input_count 0") end
  if payload_bytes ~= kPayloadBytesByKind[kind] then
    return fail("bad_payload_size", payload_bytes .. " bytes for " .. tx_kinds[kind])
  end
  local offset = kTxHeaderBytes
  local function need(bytes, what)
    if bytes <= size - offset then return true end
    return false, what .. " needs " .. bytes .. " bytes at offset " .. offset .. ", " ..
        (size - offset) .. " remain"
  end
  local ok, detail = need(inputs * kInputBytes, "input_count " .. inputs)
  if not ok then return fail("count_exceeds_buffer", detail) end
  for i = 0, inputs - 1 do
    local r = range(offset, kInputBytes)
    local input = tree:add(F["in"], r)
    input:set_text("Input " .. i .. ": vout " .. r(32, 4):le_uint())
    input:add(F.in_prev_txid, r(0, 32))
    input:add_le(F.in_prev_vout, r(32, 4))
    input:add(F.in_pubkey, r(36, 32))
    input:add(F.in_sig, r(68, 64))
    offset = offset + kInputBytes
  end
  ok, detail = need(outputs * kOutputBytes, "output_count " .. outputs)
  if not ok then return fail("count_exceeds_buffer", detail) end
  local reserved_output = nil
  for i = 0, outputs - 1 do
    local r = range(offset, kOutputBytes)
    local output = tree:add(F.out, r)
    output:set_text("Output " .. i .. ": " .. tostring(r(0, 8):le_uint64()) .. " sat")
    output:add_le(F.out_value, r(0, 8))
    output:add(F.out_pubkey_hash, r(8, 20))
    output:add_le(F.out_reserved, r(28, 4))
    if reserved_output == nil and r(28, 4):le_uint() ~= 0 then reserved_output = i end
    offset = offset + kOutputBytes
  end
  ok, detail = need(payload_bytes, "payload_bytes " .. payload_bytes)
  if not ok then return fail("count_exceeds_buffer", detail) end
  local payload_error = nil
  if payload_bytes > 0 then
    local r = range(offset, payload_bytes)
    local payload = tree:add(F.payload, r)
    payload:set_text("Payload (" .. tx_kinds[kind] .. ", " .. payload_bytes .. " bytes)")
    payload_error = dissect_payload(r, kind, payload, ex)
    offset = offset + payload_bytes
  end
  if offset < size then
    return fail("trailing_bytes", (size - offset) .. " bytes after the payload")
  end
  if reserved_output ~= nil then
    return fail("nonzero_reserved", "output " .. reserved_output .. " reserved word")
  end
  return tree, payload_error, summary
end

local kBlockHeaderBytes = 192

local function dissect_block_header(range, parent, ex)
  local tree = parent:add(F.bh, range(0, kBlockHeaderBytes))
  tree:add_le(F.bh_version, range(0, 2))
  tree:add_le(F.bh_reserved, range(2, 2))
  tree:add_le(F.bh_chain_id, range(4, 4))
  tree:add_le(F.bh_height, range(8, 8))
  tree:add(F.bh_prev_hash, range(16, 32))
  tree:add(F.bh_tx_root, range(48, 32))
  tree:add(F.bh_wtx_root, range(80, 32))
  tree:add(F.bh_utxo_digest, range(112, 32))
  tree:add_le(F.bh_timestamp, range(144, 8))
  tree:add(F.bh_proposer, range(152, 32))
  tree:add_le(F.bh_round, range(184, 4))
  tree:add_le(F.bh_tx_count, range(188, 4))
  tree:append_text(": height " .. tostring(range(8, 8):le_uint64()) .. ", " ..
    range(188, 4):le_uint() .. " transactions")
  local version = range(0, 2):le_uint()
  if version ~= 2 then return malformed(tree, ex, "unknown_version", "block version " .. version) end
  if range(2, 2):le_uint() ~= 0 then
    return malformed(tree, ex, "nonzero_reserved", "block header reserved")
  end
  return nil
end

-- A standalone 192-byte header (BlockRangeResponse entries of headers_only requests).
local function dissect_header_only(range, parent, ex)
  if range:len() ~= kBlockHeaderBytes then
    local rule = range:len() < kBlockHeaderBytes and "truncated" or "trailing_bytes"
    return malformed(parent, ex, rule, "block header of " .. range:len() .. " bytes, expected 192")
  end
  return dissect_block_header(range, parent, ex)
end

local function dissect_block(range, parent, ex)
  local size = range:len()
  local tree = parent:add(F.block, range)
  tree:set_text("Block (" .. size .. " bytes)")
  if size < kBlockHeaderBytes then
    return malformed(tree, ex, "truncated", size .. " bytes, header needs 192")
  end
  local err = dissect_block_header(range, tree, ex)
  if err then return err end
  local tx_count = range(188, 4):le_uint()
  local offset = kBlockHeaderBytes
  if tx_count * (4 + 64) > size - offset then
    return malformed(tree, ex, "count_exceeds_buffer", "tx_count " .. tx_count)
  end
  for i = 0, tx_count - 1 do
    if offset == size then
      return malformed(tree, ex, "tx_count_mismatch", "transaction " .. i .. " of " .. tx_count)
    end
    if size - offset < 4 then
      return malformed(tree, ex, "truncated", "tx_bytes of transaction " .. i)
    end
    local tx_bytes = range(offset, 4):le_uint()
    tree:add_le(F.block_tx_bytes, range(offset, 4))
    if tx_bytes > kMaxTransactionBytes then
      return malformed(tree, ex, "oversize", "transaction " .. i .. ": " .. tx_bytes .. " bytes")
    end
    if tx_bytes > size - offset - 4 then
      return malformed(tree, ex, "count_exceeds_buffer", "transaction " .. i .. ": " .. tx_bytes ..
        " bytes, " .. (size - offset - 4) .. " remain")
    end
    local _, tx_err = dissect_transaction(range(offset + 4, tx_bytes), tree, ex,
      "Transaction " .. i)
    if tx_err then return tx_err end
    offset = offset + 4 + tx_bytes
  end
  if offset < size then
    return malformed(tree, ex, "trailing_bytes", (size - offset) .. " bytes after the transactions")
  end
  return nil
end

local function dissect_certificate(range, parent, ex)
  local size = range:len()
  local tree = parent:add(F.cert, range)
  tree:set_text("Commit certificate (" .. size .. " bytes)")
  if size < 48 then return malformed(tree, ex, "truncated", size .. " bytes, header needs 48") end
  local count = range(2, 2):le_uint()
  tree:add_le(F.cert_version, range(0, 2))
  tree:add_le(F.cert_sig_count, range(2, 2))
  tree:add_le(F.cert_round, range(4, 4))
  tree:add_le(F.cert_height, range(8, 8))
  tree:add(F.cert_block_hash, range(16, 32))
  tree:append_text(": height " .. tostring(range(8, 8):le_uint64()) .. ", " .. count ..
    " signatures")
  local version = range(0, 2):le_uint()
  if version ~= 1 then return malformed(tree, ex, "unknown_version", "version " .. version) end
  if 48 + 96 * count > size then
    return malformed(tree, ex, "count_exceeds_buffer", "signature_count " .. count .. " needs " ..
      (96 * count) .. " bytes, " .. (size - 48) .. " remain")
  end
  for i = 0, count - 1 do
    tree:add(F.cert_validator, range(48 + 96 * i, 32))
    tree:add(F.cert_sig, range(80 + 96 * i, 64))
  end
  if 48 + 96 * count < size then
    return malformed(tree, ex, "trailing_bytes", (size - 48 - 96 * count) .. " bytes")
  end
  return nil
end

local function dissect_vote(range, parent, ex)
  local tree = parent:add(F.vote, range)
  if range:len() ~= 120 then
    return malformed(tree, ex, "bad_vote_length", range:len() .. " bytes, expected 120")
  end
  tree:add_le(F.vote_version, range(0, 2))
  tree:add(F.vote_type, range(2, 1))
  tree:add(F.vote_reserved, range(3, 1))
  tree:add_le(F.vote_validator_index, range(4, 4))
  tree:add_le(F.vote_height, range(8, 8))
  tree:add_le(F.vote_round, range(16, 4))
  tree:add(F.vote_reserved, range(20, 4))
  tree:add(F.vote_block_hash, range(24, 32))
  tree:add(F.vote_sig, range(56, 64))
  local type = range(2, 1):uint()
  tree:append_text(": " .. (vote_types[type] or "type " .. type) .. " height " ..
    tostring(range(8, 8):le_uint64()) .. " round " .. range(16, 4):le_uint() .. " validator " ..
    range(4, 4):le_uint())
  if range(0, 2):le_uint() ~= 1 then return malformed(tree, ex, "unknown_version", "vote") end
  if vote_types[type] == nil then return malformed(tree, ex, "bad_vote_type", "type " .. type) end
  if not all_zero(range(3, 1)) or not all_zero(range(20, 4)) then
    return malformed(tree, ex, "nonzero_reserved", "vote reserved bytes")
  end
  return nil
end

local function dissect_proposal(range, parent, ex)
  local size = range:len()
  local tree = parent:add(F.prop, range)
  if size < 124 then
    return malformed(tree, ex, "truncated", size .. " bytes, proposal header needs 124")
  end
  tree:add_le(F.prop_version, range(0, 2))
  tree:add_le(F.prop_reserved, range(2, 2))
  tree:add_le(F.prop_proposer_index, range(4, 4))
  tree:add_le(F.prop_height, range(8, 8))
  tree:add_le(F.prop_round, range(16, 4))
  tree:add_le(F.prop_pol_round, range(20, 4))
  tree:add(F.prop_block_hash, range(24, 32))
  tree:add(F.prop_sig, range(56, 64))
  tree:add_le(F.prop_payload_bytes, range(120, 4))
  tree:append_text(": height " .. tostring(range(8, 8):le_uint64()) .. " round " ..
    range(16, 4):le_uint() .. " proposer " .. range(4, 4):le_uint())
  if range(0, 2):le_uint() ~= 1 then return malformed(tree, ex, "unknown_version", "proposal") end
  if range(2, 2):le_uint() ~= 0 then return malformed(tree, ex, "nonzero_reserved", "proposal") end
  local payload_bytes = range(120, 4):le_uint()
  if payload_bytes ~= size - 124 then
    return malformed(tree, ex, "bad_payload_length", "payload_bytes " .. payload_bytes .. ", " ..
      (size - 124) .. " bytes follow")
  end
  if payload_bytes == 0 then return nil end
  return dissect_block(range(124, payload_bytes), tree, ex)
end

local function dissect_transaction_field(range, tree, ex)
  local _, err = dissect_transaction(range, tree, ex)
  return err
end

-- ---- UDP ingress dissector
function tc_tx.dissector(tvb, pinfo, tree)
  pinfo.cols.protocol = "TimeCoin"
  local root = tree:add(tc_tx, tvb())
  local _, err, summary = dissect_transaction(tvb(), root, tx_malformed)
  pinfo.cols.info = "Transaction: " .. summary .. (err and (" [malformed: " .. err .. "]") or "")
  return tvb:len()
end

-- ---- P2P: the Protobuf schema of net/proto/p2p.proto, walked by field number.
-- kind: "varint" (uint32/uint64), "bool", "enum", "bytes", "string", a nested message name, or a
-- canonical decoder. `size` is the fixed length the frame decoder demands (canonical_decode).
local message_names = {
  [1] = "Hello", [2] = "HelloAuth", [3] = "ProposalMessage", [4] = "VoteMessage",
  [5] = "CommitCertificateMessage", [6] = "TransactionBatch", [7] = "BlockRangeRequest",
  [8] = "BlockRangeResponse", [9] = "SnapshotChunkRequest", [10] = "SnapshotChunkResponse",
  [11] = "PeerExchange", [12] = "Ping", [13] = "Pong", [14] = "Disconnect",
  [15] = "TipStatus",
}
local disconnect_reasons = {
  [0] = "DISCONNECT_UNSPECIFIED", [1] = "DISCONNECT_WRONG_CHAIN",
  [2] = "DISCONNECT_UNSUPPORTED_VERSION", [3] = "DISCONNECT_BAD_HANDSHAKE",
  [4] = "DISCONNECT_PROTOCOL_VIOLATION", [5] = "DISCONNECT_TOO_MANY_PEERS",
  [6] = "DISCONNECT_BANNED", [7] = "DISCONNECT_SHUTTING_DOWN",
  [8] = "DISCONNECT_DUPLICATE_CONNECTION",
}

local schema = {
  Hello = { { 1, "chain_id", "varint" }, { 2, "protocol_version", "varint" },
    { 3, "node_pubkey", "bytes", size = 32 }, { 4, "nonce", "bytes", size = 32 },
    { 5, "listen_port", "varint" } },
  HelloAuth = { { 1, "signature", "bytes", size = 64 } },
  ProposalMessage = { { 1, "proposal", dissect_proposal } },
  VoteMessage = { { 1, "vote", dissect_vote } },
  CommitCertificateMessage = { { 1, "certificate", dissect_certificate } },
  TransactionBatch = { { 1, "transactions", dissect_transaction_field } },
  BlockRangeRequest = { { 1, "start_height", "varint" }, { 2, "count", "varint" },
    { 3, "headers_only", "bool" }, { 4, "request_id", "varint" }, { 5, "bytes_max", "varint" } },
  BlockEntry = { { 1, "header", dissect_header_only }, { 2, "block", dissect_block },
    { 3, "certificate", dissect_certificate } },
  BlockRangeResponse = { { 1, "request_id", "varint" }, { 2, "blocks", "BlockEntry" },
    { 3, "first_entry_bytes", "varint" } },
  SnapshotChunkRequest = { { 1, "height", "varint" }, { 2, "content_hash", "bytes", size = 32 },
    { 3, "chunk_index", "varint" } },
  SnapshotChunkResponse = { { 1, "height", "varint" }, { 2, "content_hash", "bytes", size = 32 },
    { 3, "chunk_index", "varint" }, { 4, "chunk_count", "varint" },
    { 5, "snapshot_bytes", "varint" }, { 6, "data", "bytes" } },
  PeerAddress = { { 1, "node_pubkey", "bytes", size = 32 }, { 2, "address", "address" },
    { 3, "port", "varint" } },
  PeerExchange = { { 1, "peers", "PeerAddress" }, { 2, "request", "bool" } },
  Ping = { { 1, "nonce", "varint" } },
  Pong = { { 1, "nonce", "varint" } },
  Disconnect = { { 1, "reason", "enum", values = disconnect_reasons },
    { 2, "detail", "string", max = 256 } },
  TipStatus = { { 1, "height", "varint" }, { 2, "block_hash", "bytes", size = 32 } },
}

local P = {}
local p2p_fields = {}
local function p2p_field(key, f)
  P[key] = f
  p2p_fields[#p2p_fields + 1] = f
end
p2p_field("frame", ProtoField.none("timecoin_p2p.frame", "Frame"))
p2p_field("magic", ProtoField.uint32("timecoin_p2p.magic", "Magic", base.HEX))
p2p_field("version", ProtoField.uint8("timecoin_p2p.version", "Version"))
p2p_field("type", ProtoField.uint8("timecoin_p2p.type", "Message type", base.DEC, message_names))
p2p_field("flags", ProtoField.uint16("timecoin_p2p.flags", "Flags", base.HEX))
p2p_field("compressed", ProtoField.bool("timecoin_p2p.flags.compressed", "Compressed (raw DEFLATE)",
  16, nil, 0x0001))
p2p_field("payload_bytes", ProtoField.uint32("timecoin_p2p.payload_bytes", "Payload bytes"))
p2p_field("message_bytes", ProtoField.uint32("timecoin_p2p.message_bytes", "Message bytes"))
p2p_field("crc", ProtoField.uint32("timecoin_p2p.crc32c", "Payload CRC32C", base.HEX))
p2p_field("crc_computed", ProtoField.uint32("timecoin_p2p.crc32c.computed", "Computed CRC32C",
  base.HEX))
p2p_field("payload", ProtoField.bytes("timecoin_p2p.payload", "Payload"))
p2p_field("message", ProtoField.string("timecoin_p2p.message", "Message"))
p2p_field("unknown_field", ProtoField.uint32("timecoin_p2p.unknown_field", "Unknown field number"))

-- One ProtoField per schema field: timecoin_p2p.<message>.<field>.
local schema_fields = {}
for message, fields in pairs(schema) do
  schema_fields[message] = {}
  for _, spec in ipairs(fields) do
    local abbrev = "timecoin_p2p." .. message:lower() .. "." .. spec[2]
    local kind = spec[3]
    local f
    if kind == "varint" then
      f = ProtoField.uint64(abbrev, spec[2])
    elseif kind == "bool" then
      f = ProtoField.bool(abbrev, spec[2])
    elseif kind == "enum" then
      f = ProtoField.uint32(abbrev, spec[2], base.DEC, spec.values)
    elseif kind == "string" then
      f = ProtoField.string(abbrev, spec[2])
    elseif kind == "address" then
      f = ProtoField.ipv6(abbrev, spec[2])
    elseif kind == "bytes" or type(kind) == "function" then
      f = ProtoField.bytes(abbrev, spec[2])
    else
      f = ProtoField.none(abbrev, spec[2])
    end
    schema_fields[message][spec[1]] = { spec = spec, field = f }
    p2p_fields[#p2p_fields + 1] = f
  end
end
tc_p2p.fields = p2p_fields

-- Reads a base-128 varint at `offset` of `range`; returns the value (UInt64) and the next offset,
-- or nil when it runs past the end or past 10 bytes.
local function read_varint(range, offset)
  local value = UInt64(0)
  local shift = 0
  local len = range:len()
  while offset < len and shift < 70 do
    local byte = range(offset, 1):uint()
    value = value:bor(UInt64(byte % 128):lshift(shift))
    offset = offset + 1
    if byte < 128 then return value, offset end
    shift = shift + 7
  end
  return nil, offset
end

local kWireTypes = { [0] = "varint", [1] = "64-bit", [2] = "length-delimited", [5] = "32-bit" }

-- Walks one Protobuf message of `schema[name]` in `range`, adding its fields under `tree`.
-- Returns nil or the violation ("protobuf_parse" or "canonical_decode").
local function dissect_message(name, range, tree)
  local fields = schema_fields[name]
  local offset = 0
  local len = range:len()
  while offset < len do
    local start = offset
    local key
    key, offset = read_varint(range, offset)
    if key == nil then
      return malformed(tree, p2p_malformed, "protobuf_parse", name .. ": truncated field key")
    end
    local number = key:rshift(3):tonumber()
    local wire = key:band(UInt64(7)):tonumber()
    local entry = fields[number]
    local value, value_range
    if wire == 0 then
      value, offset = read_varint(range, offset)
      if value == nil then
        return malformed(tree, p2p_malformed, "protobuf_parse", name .. ": truncated varint")
      end
      value_range = range(start, offset - start)
    elseif wire == 2 then
      local length
      length, offset = read_varint(range, offset)
      if length == nil or length > UInt64(len - offset) then
        return malformed(tree, p2p_malformed, "protobuf_parse",
          name .. ": field " .. number .. " length runs past the message")
      end
      length = length:tonumber()
      value_range = length > 0 and range(offset, length) or range(start, offset - start)
      value = length
      offset = offset + length
    elseif wire == 1 or wire == 5 then
      local width = wire == 1 and 8 or 4
      if len - offset < width then
        return malformed(tree, p2p_malformed, "protobuf_parse", name .. ": truncated fixed field")
      end
      value_range = range(offset, width)
      offset = offset + width
    else
      return malformed(tree, p2p_malformed, "protobuf_parse",
        name .. ": field " .. number .. " has wire type " .. wire)
    end
    local expected_wire = entry and ((entry.spec[3] == "varint" or entry.spec[3] == "bool" or
      entry.spec[3] == "enum") and 0 or 2)
    if entry == nil then
      local item = tree:add(P.unknown_field, range(start, offset - start), number)
      item:append_text(" (" .. (kWireTypes[wire] or wire) .. ", kept and ignored)")
    elseif wire ~= expected_wire then
      return malformed(tree, p2p_malformed, "protobuf_parse",
        name .. "." .. entry.spec[2] .. " has wire type " .. wire)
    else
      local spec, f = entry.spec, entry.field
      local kind = spec[3]
      if kind == "varint" then
        tree:add(f, value_range, value)
      elseif kind == "bool" then
        tree:add(f, value_range, value ~= UInt64(0))
      elseif kind == "enum" then
        tree:add(f, value_range, value:tonumber())
      elseif value == 0 then
        tree:add(f, value_range):append_text(" (empty)")
        if spec.size then
          return malformed(tree, p2p_malformed, "canonical_decode",
            name .. "." .. spec[2] .. ": 0 bytes, expected " .. spec.size)
        end
      elseif kind == "string" then
        tree:add(f, value_range)
        if spec.max and value > spec.max then
          return malformed(tree, p2p_malformed, "canonical_decode",
            name .. "." .. spec[2] .. ": " .. value .. " bytes, at most " .. spec.max)
        end
      elseif kind == "address" then
        if value ~= 16 then
          tree:add(f, value_range)
          return malformed(tree, p2p_malformed, "canonical_decode",
            name .. ".address: " .. value .. " bytes, expected 16")
        end
        tree:add(f, value_range)
      elseif kind == "bytes" then
        tree:add(f, value_range)
        if spec.size and value ~= spec.size then
          return malformed(tree, p2p_malformed, "canonical_decode",
            name .. "." .. spec[2] .. ": " .. value .. " bytes, expected " .. spec.size)
        end
      elseif type(kind) == "function" then
        local item = tree:add(f, value_range)
        local err = kind(value_range, item, p2p_malformed)
        if err then
          return malformed(tree, p2p_malformed, "canonical_decode",
            name .. "." .. spec[2] .. ": " .. err)
        end
      else
        local item = tree:add(f, value_range)
        local err = dissect_message(kind, value_range, item)
        if err then return err end
      end
    end
  end
  return nil
end

local kFrameHeaderBytes = 20
local kFrameMagic = 0x32504354
local kMaxFramePayloadBytes = 65 * 1024 * 1024

-- Inflates a raw DEFLATE payload, through whichever call this Wireshark has.
local function inflate(range, name)
  -- Wireshark 4.4 renamed uncompress to uncompress_zlib; a missing method raises, hence pcall.
  -- Both inflate zlib, gzip, and (after a zlib header check fails) raw DEFLATE.
  local ok, result = pcall(function() return range:uncompress_zlib(name) end)
  if not ok then ok, result = pcall(function() return range:uncompress(name) end) end
  if ok then return result end
  return nil
end

-- Dissects the frame whose header starts at `offset`, all of whose bytes are in `tvb`.
-- Returns the message type name for the Info column.
local function dissect_frame(tvb, offset, pinfo, tree, frame_bytes)
  local range = tvb(offset, frame_bytes)
  local frame = tree:add(P.frame, range)
  local type = range(5, 1):uint()
  local flags = range(6, 2):le_uint()
  local payload_bytes = range(8, 4):le_uint()
  local message_bytes = range(12, 4):le_uint()
  local name = message_names[type] or ("type " .. type)
  frame:set_text("Frame: " .. name .. " (" .. frame_bytes .. " bytes)")
  frame:add_le(P.magic, range(0, 4))
  frame:add(P.version, range(4, 1))
  frame:add(P.type, range(5, 1))
  local flags_item = frame:add_le(P.flags, range(6, 2))
  flags_item:add_le(P.compressed, range(6, 2))
  frame:add_le(P.payload_bytes, range(8, 4))
  frame:add_le(P.message_bytes, range(12, 4))
  local crc_item = frame:add_le(P.crc, range(16, 4))
  local function refuse(rule, detail)
    malformed(frame, p2p_malformed, rule, detail)
    return name .. " [malformed: " .. rule .. "]"
  end
  local payload = payload_bytes > 0 and range(kFrameHeaderBytes, payload_bytes) or nil
  if payload then frame:add(P.payload, payload) end
  if message_names[type] == nil then return refuse("unknown_type", "type " .. type) end
  local compressed = flags % 2 == 1
  if not compressed and message_bytes ~= payload_bytes then
    return refuse("bad_message_length", "uncompressed: message_bytes " .. message_bytes ..
      " != payload_bytes " .. payload_bytes)
  end
  if compressed and message_bytes > kMaxFramePayloadBytes then
    return refuse("decompression_bound", "message_bytes " .. message_bytes)
  end
  if tc_p2p.prefs.check_crc then
    local computed = crc32c(payload and payload:raw() or "")
    local declared = range(16, 4):le_uint()
    frame:add(P.crc_computed, range(16, 4), computed):set_generated()
    if computed ~= declared then
      crc_item:append_text(" [incorrect]")
      return refuse("bad_crc", string.format("payload CRC32C 0x%08x, header says 0x%08x",
        computed, declared))
    end
    crc_item:append_text(" [correct]")
  end
  local message_range = payload
  if compressed then
    if not tc_p2p.prefs.inflate then
      frame:add_proto_expert_info(p2p_undecoded, "compressed payload (inflating is off)")
      return name .. " [compressed]"
    end
    local inflated = payload and inflate(payload, "Inflated " .. name)
    if inflated == nil then return refuse("bad_compressed_data", "the DEFLATE stream is corrupt") end
    if inflated:len() ~= message_bytes then
      local rule = inflated:len() > message_bytes and "decompression_bound" or "bad_compressed_data"
      return refuse(rule, "inflates to " .. inflated:len() .. " bytes, header says " ..
        message_bytes)
    end
    message_range = inflated()
  end
  local message = frame:add(P.message, message_range or range(16, 0), message_names[type])
  message:set_text(message_names[type] .. " (" .. (message_range and message_range:len() or 0) ..
    " bytes" .. (compressed and ", inflated" or "") .. ")")
  if message_range then
    local err = dissect_message(message_names[type], message_range, message)
    if err then return name .. " [malformed: " .. err .. "]" end
  end
  return name .. (compressed and " [compressed]" or "")
end

function tc_p2p.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  local offset = 0
  local names = {}
  local root = nil
  while offset < len do
    local remaining = len - offset
    if remaining < kFrameHeaderBytes then
      if pinfo.can_desegment > 0 then
        pinfo.desegment_offset = offset
        pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
        break
      end
      root = root or tree:add(tc_p2p, tvb(offset))
      malformed(root, p2p_malformed, "truncated", remaining .. " bytes, frame header needs 20")
      names[#names + 1] = "[malformed: truncated header]"
      offset = len
      break
    end
    root = root or tree:add(tc_p2p, tvb(offset))
    local magic = tvb(offset, 4):le_uint()
    local version = tvb(offset + 4, 1):uint()
    local flags = tvb(offset + 6, 2):le_uint()
    local payload_bytes = tvb(offset + 8, 4):le_uint()
    local broken = nil
    if magic ~= kFrameMagic then
      broken = { "bad_magic", string.format("magic 0x%08x, expected 0x%08x", magic, kFrameMagic) }
    elseif version ~= 1 then
      broken = { "unknown_version", "version " .. version }
    elseif flags > 1 then
      broken = { "unknown_flags", string.format("flags 0x%04x", flags) }
    elseif payload_bytes > kMaxFramePayloadBytes then
      broken = { "payload_over_max", "payload_bytes " .. payload_bytes }
    end
    if broken then
      -- The header cannot be trusted, so nothing later in this segment can be framed either.
      local item = root:add(P.payload, tvb(offset))
      item:set_text("Undissectable stream bytes (" .. remaining .. ")")
      malformed(item, p2p_malformed, broken[1], broken[2] .. "; the stream cannot be read on")
      names[#names + 1] = "[malformed: " .. broken[1] .. "]"
      offset = len
      break
    end
    local frame_bytes = kFrameHeaderBytes + payload_bytes
    if remaining < frame_bytes then
      if pinfo.can_desegment > 0 then
        pinfo.desegment_offset = offset
        pinfo.desegment_len = frame_bytes - remaining
        break
      end
      local item = root:add(P.payload, tvb(offset))
      item:set_text("Truncated frame (" .. remaining .. " of " .. frame_bytes .. " bytes)")
      malformed(item, p2p_malformed, "truncated", "payload_bytes " .. payload_bytes ..
        " runs past the end of the data (" .. remaining .. " bytes)")
      names[#names + 1] = "[malformed: truncated frame]"
      offset = len
      break
    end
    names[#names + 1] = dissect_frame(tvb, offset, pinfo, root, frame_bytes)
    offset = offset + frame_bytes
  end
  if #names > 0 then
    pinfo.cols.protocol = "TimeCoin P2P"
    pinfo.cols.info = table.concat(names, ", ")
  end
  return len
end

-- ---- Registration on the ports the preferences name.
local registered_udp, registered_tcp = nil, nil
local function register_ports()
  local udp, tcp = DissectorTable.get("udp.port"), DissectorTable.get("tcp.port")
  if registered_udp then udp:remove(registered_udp, tc_tx) end
  if registered_tcp then tcp:remove(registered_tcp, tc_p2p) end
  registered_udp = tostring(tc_tx.prefs.udp_ports)
  registered_tcp = tostring(tc_p2p.prefs.tcp_ports)
  if registered_udp ~= "" then udp:add(registered_udp, tc_tx) end
  if registered_tcp ~= "" then tcp:add(registered_tcp, tc_p2p) end
end
tc_tx.prefs_changed = register_ports
tc_p2p.prefs_changed = register_ports
register_ports()
