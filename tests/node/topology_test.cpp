// Goal: node/topology.h is the one table of timecoind's stages and rings, and says what it wires.
// Method: build the table from profile defaults and from a [cores] override, render it, and check
// rows and refusals.
// Scenarios: every stage and ring is present with its producer, consumer, depth and element size;
// a stage takes its core from its [cores] key; a list of two cores for a one-thread stage is a
// kConfig error naming the key; the rendered table has one aligned row per stage and ring.
#include "node/topology.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "dataplane/ingress_ring.h"
#include "node/stages/tx_ring.h"

namespace tc::node {
namespace {

TEST(TopologyTest, NamesEveryStageAndRing) {
  auto topology = make_topology(default_config(Network::kDevnet));
  ASSERT_TRUE(topology.is_ok()) << topology.status().to_string();
  EXPECT_EQ(topology->stage(StageId::kIngress).name, "ingress");
  EXPECT_EQ(topology->stage(StageId::kVerify).name, "verify");
  EXPECT_EQ(topology->stage(StageId::kNet).name, "net");
  EXPECT_EQ(topology->stage(StageId::kConsensus).name, "consensus");
  EXPECT_EQ(topology->stage(StageId::kConsensus).loop.core, -1);  // nothing pinned by default
  const RingSpec& in = topology->ring(RingId::kNetToConsensus);
  EXPECT_EQ(in.name, "net_to_consensus");
  EXPECT_EQ(in.producer, StageId::kNet);
  EXPECT_EQ(in.consumer, StageId::kConsensus);
  EXPECT_EQ(in.depth, 1024u);
  EXPECT_EQ(in.element_bytes, 4u);
  const RingSpec& out = topology->ring(RingId::kConsensusToNet);
  EXPECT_EQ(out.producer, StageId::kConsensus);
  EXPECT_EQ(out.consumer, StageId::kNet);
  const RingSpec& ingress = topology->ring(RingId::kIngressToVerify);
  EXPECT_EQ(ingress.producer, StageId::kIngress);
  EXPECT_EQ(ingress.consumer, StageId::kVerify);
  EXPECT_EQ(ingress.depth, default_config(Network::kDevnet).ingress.ring_depth);
  EXPECT_EQ(ingress.element_bytes, sizeof(dataplane::IngressTx));
  EXPECT_EQ(topology->ring(RingId::kNetToVerify).consumer, StageId::kVerify);
  EXPECT_EQ(topology->ring(RingId::kVerifyToNetResults).consumer, StageId::kNet);
  EXPECT_EQ(topology->ring(RingId::kVerifyToNet).consumer, StageId::kNet);
  // The TxRings' arenas are what TxRing::init accepts.
  for (RingId id : {RingId::kNetToVerify, RingId::kVerifyToNet}) {
    TxRing ring;
    EXPECT_TRUE(ring.init(topology->ring(id).capacity_bytes()).is_ok()) << topology->ring(id).name;
  }
  for (const RingSpec& ring : topology->rings) {
    EXPECT_EQ(ring.depth & (ring.depth - 1), 0u) << ring.name << " depth is not a power of two";
  }
}

TEST(TopologyTest, PinsAStageToItsConfiguredCore) {
  NodeConfig config = default_config(Network::kDevnet);
  config.cores.consensus = {1};
  auto topology = make_topology(config);
  ASSERT_TRUE(topology.is_ok());
  EXPECT_EQ(topology->stage(StageId::kConsensus).loop.core, 1);
  EXPECT_EQ(topology->stage(StageId::kConsensus).config_key, "consensus");

  config.cores.consensus = {0, 1};
  auto refused = make_topology(config);
  EXPECT_EQ(refused.status().code(), StatusCode::kConfig);
  EXPECT_NE(refused.status().message().find("cores.consensus lists 2 cores"), std::string::npos);

  config.cores.consensus = {};
  config.cores.net = {2, 3};
  refused = make_topology(config);
  EXPECT_NE(refused.status().message().find("cores.net lists 2 cores"), std::string::npos);

  // The verify stage's engine runs one worker per listed core; the stage loop takes the first.
  config.cores.net = {};
  config.cores.verify = {2, 3};
  topology = make_topology(config);
  ASSERT_TRUE(topology.is_ok());
  EXPECT_EQ(topology->stage(StageId::kVerify).loop.core, 2);

  // Ingress runs one loop per queue, so it may list several; the table shows the first.
  config.cores.verify = {};
  config.cores.ingress = {4, 5};
  config.ingress.queues = 2;
  topology = make_topology(config);
  ASSERT_TRUE(topology.is_ok());
  EXPECT_EQ(topology->stage(StageId::kIngress).loop.core, 4);
}

TEST(TopologyTest, RendersOneAlignedRowPerStageAndRing) {
  NodeConfig config = default_config(Network::kDevnet);
  config.cores.consensus = {3};
  const std::string table = render_topology(*make_topology(config));
  std::vector<std::string> lines;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2 + kStageCount + kRingCount);
  EXPECT_EQ(lines[0].rfind("stage", 0), 0u);
  EXPECT_EQ(lines[1], "ingress    cores.ingress    -     64     200");
  EXPECT_EQ(lines[2], "verify     cores.verify     -     64     200");
  EXPECT_EQ(lines[3], "net        cores.net        -     64     200");
  EXPECT_EQ(lines[4], "consensus  cores.consensus  3     64     200");
  EXPECT_EQ(lines[5].rfind("ring", 0), 0u);
  EXPECT_EQ(lines[7].rfind("net_to_verify         net        verify     65536  64", 0), 0u)
      << lines[7];
  EXPECT_EQ(lines[10].rfind("net_to_consensus      net        consensus  1024   4", 0), 0u)
      << lines[10];
  EXPECT_EQ(lines[11].rfind("consensus_to_net      consensus  net        1024   4", 0), 0u)
      << lines[11];
}

}  // namespace
}  // namespace tc::node
