// The pair scorer's choice between the two face models: the fused distance when every usable
// pairing has both models' descriptors, the first model's alone otherwise.

#include "matching/candidate_scan.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "common/synthetic_descriptors.h"
#include "matching/population.h"

namespace encuentro::matching {
namespace {

records::Date DateOf(int y, int m, int d) {
  return records::Date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                       std::chrono::day(static_cast<unsigned>(d))};
}

struct Calls {
  std::vector<double> first;  // distances the first model's factor was asked about
  std::vector<double> fused;
};

Factor FaceFactorOf(double log10_lr) {
  Factor f;
  f.name = "face";
  f.log10_lr = log10_lr;
  f.unbounded_log10_lr = log10_lr;
  return f;
}

TEST(PairScorer, FusesBothModelsOnlyWhenEveryPairingHasBoth) {
  std::mt19937 random(3);
  records::UnidentifiedRemains remains;
  remains.meta.id = 1;
  remains.found_date = DateOf(2024, 6, 1);
  const PopulationStatistics population = PopulationFromRegistry({});
  const RemainsEvidence evidence(remains, population, DateOf(2026, 1, 1), EvidenceOptions{});
  records::MissingPerson person;
  person.meta.id = 2;
  person.status = records::MissingPersonStatus::kMissing;

  Calls calls;
  constexpr float kWeight = 0.8f;
  const PairScorer scorer(
      [&](double distance, int, bool) {
        calls.first.push_back(distance);
        return FaceFactorOf(1);
      },
      /*age_preference_window=*/0.02, /*synthetic_weight=*/0.5,
      FusedFace{[&](double distance, int, bool) {
                  calls.fused.push_back(distance);
                  return FaceFactorOf(2);
                },
                kWeight});

  const auto embedding = [&] {
    return std::make_shared<SecondFaceEmbedding>(RandomUnitDescriptor<SecondFaceEmbedding>(random));
  };
  index::GalleryTemplate probe{1, RandomUnitDescriptor(random), {.owner = 1}, embedding()};
  index::GalleryTemplate mine{10, RandomUnitDescriptor(random), {.owner = 2}, embedding()};
  const std::vector<index::TemplateView> probes = {index::ViewOf(probe)};
  PairEvidence out;
  scorer.Score(person, evidence, probes, std::vector{index::ViewOf(mine)}, false, &out);
  ASSERT_EQ(calls.fused.size(), 1u);
  EXPECT_TRUE(calls.first.empty());
  const float first = DescriptorDistance(probe.descriptor, mine.descriptor);
  const float second = SecondEmbeddingDistance(*probe.second_embedding, *mine.second_embedding);
  EXPECT_FLOAT_EQ(calls.fused[0], FusedDistance(first, second, kWeight));
  ASSERT_FALSE(out.factors.empty());
  EXPECT_EQ(out.factors[0].log10_lr, 2);

  // A second template of the person, enrolled before the second model: the pairing falls back
  // to the first model for both comparisons, and the nearest of those is scored.
  index::GalleryTemplate old{11, NearDescriptor(probe.descriptor, 0.1f, random), {.owner = 2}};
  scorer.Score(person, evidence, probes, std::vector{index::ViewOf(mine), index::ViewOf(old)},
               false, &out);
  EXPECT_EQ(calls.fused.size(), 1u);
  ASSERT_EQ(calls.first.size(), 1u);
  EXPECT_FLOAT_EQ(calls.first[0], DescriptorDistance(probe.descriptor, old.descriptor));
  EXPECT_EQ(out.factors[0].log10_lr, 1);
  EXPECT_EQ(out.person_photo_id, 11);

  // Without a fused calibration, the first model alone, whatever the templates carry.
  const PairScorer first_only(
      [&](double distance, int, bool) {
        calls.first.push_back(distance);
        return FaceFactorOf(1);
      },
      0.02, 0.5);
  first_only.Score(person, evidence, probes, std::vector{index::ViewOf(mine)}, false, &out);
  ASSERT_EQ(calls.first.size(), 2u);
  EXPECT_FLOAT_EQ(calls.first[1], first);
}

}  // namespace
}  // namespace encuentro::matching
