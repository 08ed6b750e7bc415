// The search's scan, measured apart from the database and gRPC: one set of remains scored against
// every person of a candidate pool shaped like tools/match_load's (two templates each, sex, birth
// and last-seen dates), and the two halves of that work alone, so that a change in search latency
// can be traced to the face comparisons or the attribute factors.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "common/synthetic_descriptors.h"
#include "index/face_gallery.h"
#include "matching/candidate_pool.h"
#include "matching/candidate_scan.h"
#include "matching/evidence.h"
#include "matching/face_calibration.h"
#include "matching/matcher.h"
#include "matching/population.h"
#include "tools/evidence_eval/simulation.h"

namespace {

using namespace encuentro;

constexpr int kPeople = 50'000;
constexpr int kTemplatesEach = 2;

records::Date DateOf(int y, int m, int d) {
  return records::Date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                       std::chrono::day(static_cast<unsigned>(d))};
}

// Built once, shared by every benchmark and thread (a function-local static is initialised once).
struct Registry {
  std::unique_ptr<index::FaceGallery> gallery;
  std::unique_ptr<matching::CandidatePool> pool;
  records::UnidentifiedRemains remains;
  index::GalleryTemplate probe;
  matching::PopulationStatistics population;
  std::optional<matching::FaceCalibration> calibration;
  std::optional<matching::FaceCalibration> fused;
  std::unique_ptr<matching::PairScorer> scorer;
  std::unique_ptr<matching::RemainsEvidence> evidence;

  // With `both_models`, every template (and the probe) also carries a second-model embedding, and
  // the scorer fuses the two as encuentrod does by default.
  explicit Registry(bool both_models) {
    std::mt19937_64 rng(7);
    std::vector<index::GalleryTemplate> templates;
    std::vector<records::MissingPerson> people;
    for (int i = 1; i <= kPeople; ++i) {
      records::MissingPerson p;
      p.meta.id = i;
      p.meta.organization = "load-test";
      p.status = records::MissingPersonStatus::kMissing;
      p.sex = i % 2 ? records::Sex::kMale : records::Sex::kFemale;
      p.date_of_birth = DateOf(1950 + i % 50, 1 + i % 12, 1 + i % 28);
      p.last_seen_date = DateOf(2010 + i % 14, 1 + i % 12, 1 + i % 28);
      people.push_back(matching::MatchProfileOf(p));
      for (int t = 0; t < kTemplatesEach; ++t) {
        index::GalleryTemplate g;
        g.id = static_cast<int64_t>(i) * kTemplatesEach + t;
        g.descriptor = RandomUnitDescriptor(rng);
        g.traits.owner = i;
        if (both_models) {
          g.second_embedding = std::make_shared<const SecondFaceEmbedding>(
              RandomUnitDescriptor<SecondFaceEmbedding>(rng));
        }
        templates.push_back(g);
      }
    }
    // The gallery in the order templates were added, the pool in another (as after people's
    // records changed): a scan must not depend on the two orders agreeing.
    gallery = index::FaceGallery::Build(templates);
    std::shuffle(people.begin(), people.end(), rng);
    pool = std::make_unique<matching::CandidatePool>(gallery.get());
    pool->ReplaceAll(std::move(people));
    remains.meta.id = 1;
    remains.found_date = DateOf(2024, 6, 1);
    probe.id = 1;
    probe.descriptor = templates[1234].descriptor;
    probe.second_embedding = templates[1234].second_embedding;
    probe.traits.owner = 1;
    population = matching::PopulationFromRegistry({});
    calibration.emplace(
        matching::FaceCalibration::LoadFile(ENCUENTRO_BENCH_FACE_CALIBRATION).value());
    scorer = std::make_unique<matching::PairScorer>(
        [this](double distance, int comparisons, bool explain) {
          return calibration->FaceFactor(distance, comparisons, "nearest template", explain);
        },
        matching::MatchOptions{}.age_preference_window, matching::MatchOptions{}.synthetic_weight,
        both_models
            ? std::optional<matching::FusedFace>(matching::FusedFace{
                  [this](double distance, int comparisons, bool explain) {
                    return fused->FaceFactor(distance, comparisons, "nearest template", explain);
                  },
                  0.8f})
            : std::nullopt);
    if (both_models) {
      fused.emplace(
          matching::FaceCalibration::LoadFile(ENCUENTRO_BENCH_FUSED_FACE_CALIBRATION).value());
    }
    evidence = std::make_unique<matching::RemainsEvidence>(remains, population, DateOf(2026, 1, 1),
                                                           matching::EvidenceOptions{});
  }
};

const Registry& Shared(bool both_models = false) {
  static const Registry* const one = new Registry(false);
  if (!both_models) return *one;
  static const Registry* const both = new Registry(true);
  return *both;
}

// The whole scan of one search (arg: scan threads), as Matcher::Rank runs it; with
// `both_models`, every comparison fused (the second model's distance too).
void Scan(benchmark::State& state, bool both_models) {
  const Registry& r = Shared(both_models);
  const std::vector<index::TemplateView> probes = {index::ViewOf(r.probe)};
  for (auto _ : state) {
    std::vector<matching::RankKey> keys =
        matching::ScanCandidates(*r.pool, *r.scorer, *r.evidence, probes,
                                 /*include_excluded=*/false, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(keys.data());
  }
  state.counters["candidates"] = static_cast<double>(r.pool->size());
}
void BM_ScanCandidates(benchmark::State& state) { Scan(state, /*both_models=*/false); }
void BM_ScanBothModels(benchmark::State& state) { Scan(state, /*both_models=*/true); }
BENCHMARK(BM_ScanCandidates)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ScanBothModels)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Only the distances from the probe to every candidate's templates.
void BM_FaceComparisonsOnly(benchmark::State& state) {
  const Registry& r = Shared();
  for (auto _ : state) {
    float best = 1e9f;
    r.pool->Visit([&](std::span<const matching::Candidate> candidates) {
      for (const matching::Candidate& candidate : candidates) {
        for (const index::GalleryTemplate& t : candidate.templates) {
          best = std::min(best, DescriptorDistance(r.probe.descriptor.data(), t.descriptor.data()));
        }
      }
    });
    benchmark::DoNotOptimize(best);
  }
}
BENCHMARK(BM_FaceComparisonsOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// Only the attribute factors (dates, age, sex, stature, marks, dental, effects, place).
void BM_AttributeFactorsOnly(benchmark::State& state) {
  const Registry& r = Shared();
  std::vector<matching::Factor> factors;
  for (auto _ : state) {
    double sum = 0;
    r.pool->Visit([&](std::span<const matching::Candidate> candidates) {
      for (const matching::Candidate& candidate : candidates) {
        factors.clear();
        r.evidence->Compare(candidate.profile, /*explain=*/false, &factors);
        for (const matching::Factor& f : factors) sum += f.log10_lr;
      }
    });
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_AttributeFactorsOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// A faceless search, the usual case for remains in Mexico, over 50,000 people with the whole
// attribute record evidence_eval simulates: sex, ages, reported heights, last-seen places, marks
// (a third with a tattoo), dental charts and effects; the remains carry a biological profile, the
// marks and teeth examiners saw, effects and the place they were found.
struct FacelessRegistry {
  std::unique_ptr<index::FaceGallery> gallery = index::FaceGallery::Build({});
  std::unique_ptr<matching::CandidatePool> pool;
  evaluation::SimulatedRegistry simulated;
  std::unique_ptr<matching::PairScorer> scorer;
  std::unique_ptr<matching::RemainsEvidence> evidence;
  const records::UnidentifiedRemains* remains = nullptr;

  FacelessRegistry() {
    evaluation::SimulationOptions options;
    options.registry_size = kPeople;
    options.remains_with_face = 0;
    options.remains_not_in_registry = 0;
    options.remains_faceless = 1;
    simulated = evaluation::GenerateRegistry(options);
    pool = std::make_unique<matching::CandidatePool>(gallery.get());
    std::vector<records::MissingPerson> people;
    for (const records::MissingPerson& p : simulated.people) {
      people.push_back(matching::MatchProfileOf(p));
    }
    pool->ReplaceAll(std::move(people));
    remains = &simulated.remains.front().record;
    scorer = std::make_unique<matching::PairScorer>(
        [](double, int, bool) { return matching::Factor{}; }, 0.05, 0.5);
    evidence = std::make_unique<matching::RemainsEvidence>(
        *remains, simulated.population, DateOf(2026, 1, 1), matching::EvidenceOptions{});
  }
};

void BM_ScanFacelessRegistry(benchmark::State& state) {
  static const FacelessRegistry* const registry = new FacelessRegistry();
  size_t scored = 0;
  for (auto _ : state) {
    std::vector<matching::RankKey> keys =
        matching::ScanCandidates(*registry->pool, *registry->scorer, *registry->evidence, {},
                                 /*include_excluded=*/false, static_cast<int>(state.range(0)));
    scored = keys.size();
    benchmark::DoNotOptimize(keys.data());
  }
  state.counters["candidates"] = static_cast<double>(registry->pool->size());
  state.counters["not_excluded"] = static_cast<double>(scored);
}
BENCHMARK(BM_ScanFacelessRegistry)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
