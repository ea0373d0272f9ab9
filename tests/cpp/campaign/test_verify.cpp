// The verifier beside the campaign kernels (sim/src/campaign/verify.cpp; MODEL.md §12 money, §11
// the ledger, §5 people, §3.7 S_u): it holds after every step of busy campaigns with every
// mechanism on, and a violation planted in a replicate's row or state is reported naming the
// replicate, the step, the invariant and both numbers.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "campaign_probe.hpp"
#include "guanxi/generators.hpp"

namespace guanxi::campaign {
namespace {

static_assert(std::is_base_of_v<std::logic_error, InvariantViolation>, "an engine bug: Python's RuntimeError");

// Every Part I and Part II mechanism at work on one design, S_u moving both ways.
CampaignSpec everything() {
  CampaignSpec spec = busy_part_two();
  spec.run.steps = 30;
  spec.behaviour.conv_weak = 0.05;
  spec.behaviour.conv_strong = 0.3;
  spec.behaviour.stickiness_cap = 2;
  spec.policy.budget = 4000;
  spec.policy.membership.enabled = true;
  spec.policy.membership.take_rate = 0.05;
  spec.ties.alpha_bond = 0.08;  // bonded ties cross the threshold
  return spec;
}

void expect_verified_every_step(const Graph& g, const CampaignSpec& spec, std::uint64_t replicate) {
  ReplicateProbe probe(g, spec, replicate, 4);
  probe.r().begin();
  for (std::uint32_t t = 0; t < spec.run.steps; ++t) {
    probe.r().step(t);
    ASSERT_NO_THROW(probe.r().verify(t)) << "step " << t;
  }
  EXPECT_GT(probe.metric(spec.run.steps - 1, "customers"), 20);
}

TEST(Verify, HoldsAfterEveryStepOfBusyCampaigns) {
  const Graph g = holme_kim(800, 3, 0.5, 3);
  const CampaignSpec base = everything();
  CampaignSpec teams = base, bargains = base;
  teams.policy.group_buy.enabled = true;
  teams.policy.group_buy.deadline = 4;
  bargains.policy.bargain.enabled = true;
  bargains.behaviour.help_mult = 5;
  // Part III: shareholders with dividends and the margin promise, their periods ending in the run.
  CampaignSpec layered = base;
  layered.ladder.partner_referrals = 2;
  layered.ladder.shareholding = {true, 0.2, 300, 0.2, 10, 0.2};
  layered.policy.margin_cap = {true, 0.05, 10, 0.5, 0.5};
  for (const CampaignSpec& spec : {base, teams, bargains, layered})
    for (std::uint64_t replicate = 0; replicate < 2; ++replicate) expect_verified_every_step(g, spec, replicate);
  expect_verified_every_step(erdos_renyi_gnp(500, 0.012, 5, true), teams, 1);  // in-arcs count in S_u
}

// The message of the InvariantViolation that verify(t) throws, or "" when none.
std::string violation(ReplicateProbe& probe, std::uint32_t t) {
  try {
    probe.r().verify(t);
  } catch (const InvariantViolation& e) {
    return e.what();
  }
  return "";
}

TEST(Verify, APlantedViolationNamesTheReplicateStepAndInvariant) {
  const Graph g = holme_kim(400, 3, 0.5, 6);
  ReplicateProbe probe(g, everything(), 2, 4);
  probe.r().begin();
  for (std::uint32_t t = 0; t <= 5; ++t) probe.r().step(t);
  ASSERT_EQ(violation(probe, 5), "");
  // Money: a profit that is not §12's sum of the lines.
  const double profit = probe.row(5, "profit");
  probe.row(5, "profit") = profit + 1;
  std::string message = violation(probe, 5);
  EXPECT_EQ(message.rfind("replicate 2, step 5: invariant violated: profit (MODEL.md §12, §17, §18): profit = ", 0), 0u) << message;
  probe.row(5, "profit") = profit;
  // People: one customer too many for the channels.
  probe.row(5, "customers") += 1;
  message = violation(probe, 5);
  EXPECT_NE(message.find("step 5: invariant violated: customers by channel"), std::string::npos) << message;
  probe.row(5, "customers") -= 1;
  // S_u: one strong tie more than the strengths say, at a customer's neighbour.
  const node_t customer = probe.active().front();
  const node_t neighbour = g.neighbors(customer)[0];
  const std::uint32_t kept = probe.r().node(neighbour).strong_active;
  probe.set_strong_active(neighbour, kept + 1);
  message = violation(probe, 5);
  EXPECT_EQ(message, "replicate 2, step 5: invariant violated: S_u of node " + std::to_string(neighbour) +
                         ", strong ties to active customers (MODEL.md §3.7): incremental count = " +
                         std::to_string(kept + 1) + ", recount = " + std::to_string(kept));
  probe.set_strong_active(neighbour, kept);
  EXPECT_EQ(violation(probe, 5), "");
}

}  // namespace
}  // namespace guanxi::campaign
