#include "matching/candidate_scan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <thread>
#include <tuple>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace encuentro::matching {
namespace {

std::optional<double> RemainsAgeMidpoint(const records::UnidentifiedRemains& remains) {
  const auto& age = remains.biological_profile.age;
  if (!age) return std::nullopt;
  return (age->min_years + age->max_years) / 2;
}

// One comparison of a remains template with a person's template.
struct FaceComparison {
  double distance = 0;  // the first model's, or the fused one (see Compare)
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
  // Years between the person's age in their photo and the remains' estimated age, when known.
  std::optional<double> age_gap;
  double first_distance = 0;  // the first model's, whichever `distance` is
};

// The comparison a person's face evidence rests on: the nearest, or, among those within
// `age_window` of it, the one closest in age to the remains (recognition degrades with the age
// gap, so a near-equal distance at a closer age is the better witness). The window is set on the
// first model's distances; on fused ones it widens by how much farther the nearest fused
// distance is than the nearest first-model one.
template <typename Container>
const FaceComparison& ChooseComparison(const Container& comparisons, double age_window) {
  double best = std::numeric_limits<double>::infinity();
  double best_first = std::numeric_limits<double>::infinity();
  for (const FaceComparison& c : comparisons) {
    best = std::min(best, c.distance);
    best_first = std::min(best_first, c.first_distance);
  }
  if (best_first > 0 && std::isfinite(best) && best != best_first) {
    age_window *= best / best_first;
  }
  const FaceComparison* chosen = nullptr;
  for (const FaceComparison& c : comparisons) {
    if (c.distance > best + age_window) continue;
    const double gap = c.age_gap.value_or(1e9);
    const double chosen_gap = chosen ? chosen->age_gap.value_or(1e9) : 0;
    const bool better =
        chosen == nullptr ||
        (gap != chosen_gap
             ? gap < chosen_gap
             : std::tie(c.distance, c.person_photo_id, c.remains_photo_id) <
                   std::tie(chosen->distance, chosen->person_photo_id, chosen->remains_photo_id));
    if (better) chosen = &c;
  }
  return *chosen;
}

// Every pairing of usable remains templates with usable person templates of one kind (photos,
// or age progressions).
using Comparisons = absl::InlinedVector<FaceComparison, 8>;

// With `second_weight`, the distances are fused ones, and `*fused` says whether every pairing had
// both models' descriptors; when one did not, the first model's distances are returned instead
// (and `*fused` is false).
Comparisons Compare(std::span<const index::TemplateView> remains_templates,
                    std::span<const index::TemplateView> person_templates, bool synthetic,
                    std::optional<double> remains_age, std::optional<float> second_weight,
                    bool* fused) {
  Comparisons comparisons;
  *fused = second_weight.has_value();
  for (const index::TemplateView& probe : remains_templates) {
    if (probe.traits.failed_quality) continue;
    for (const index::TemplateView& mine : person_templates) {
      if (mine.traits.failed_quality || mine.traits.synthetic != synthetic) continue;
      FaceComparison c{DescriptorDistance(probe.descriptor, mine.descriptor), probe.id, mine.id,
                       std::nullopt};
      c.first_distance = c.distance;
      if (*fused) {
        if (probe.second_embedding == nullptr || mine.second_embedding == nullptr) {
          // Back to the first model alone, for the pairings seen so far too.
          *fused = false;
          for (FaceComparison& earlier : comparisons) {
            earlier.distance = earlier.first_distance;
          }
        } else {
          c.distance =
              FusedDistance(static_cast<float>(c.distance),
                            SecondEmbeddingDistance(probe.second_embedding, mine.second_embedding),
                            *second_weight);
        }
      }
      if (remains_age && !std::isnan(mine.traits.age_years)) {
        c.age_gap = std::abs(static_cast<double>(mine.traits.age_years) - *remains_age);
      }
      comparisons.push_back(c);
    }
  }
  return comparisons;
}

}  // namespace

PairScorer::PairScorer(FaceFactorFn face_factor, double age_preference_window,
                       double synthetic_weight, std::optional<FusedFace> fused)
    : face_factor_(std::move(face_factor)),
      fused_(std::move(fused)),
      age_preference_window_(age_preference_window),
      synthetic_weight_(synthetic_weight) {}

void PairScorer::Score(const records::MissingPerson& person, const RemainsEvidence& remains,
                       std::span<const index::TemplateView> remains_templates,
                       std::span<const index::TemplateView> person_templates, bool explain,
                       PairEvidence* out) const {
  const std::optional<double> remains_age = RemainsAgeMidpoint(remains.remains());
  // Photographs and age progressions are weighed apart: progressions count at a fraction, and
  // only when they say more than the photographs do.
  std::optional<Factor> face;
  std::optional<double> face_distance;
  int64_t remains_photo_id = 0;
  int64_t person_photo_id = 0;
  for (const bool synthetic : {false, true}) {
    bool fused = false;
    const Comparisons comparisons =
        Compare(remains_templates, person_templates, synthetic, remains_age,
                fused_ ? std::optional<float>(fused_->second_weight) : std::nullopt, &fused);
    if (comparisons.empty()) continue;
    const FaceComparison& chosen = ChooseComparison(comparisons, age_preference_window_);
    Factor f = (fused ? fused_->factor : face_factor_)(
        chosen.distance, static_cast<int>(comparisons.size()), explain);
    if (synthetic) {
      f.log10_lr *= synthetic_weight_;
      f.unbounded_log10_lr = f.log10_lr;
      if (explain) {
        f.reason = absl::StrCat("age progression, counted at ", synthetic_weight_, ": ", f.reason);
      }
      if (face && face->log10_lr >= f.log10_lr) continue;
    }
    face = std::move(f);
    // The first model's distance, on one scale for every candidate: rank keys break ties on it.
    face_distance = chosen.first_distance;
    remains_photo_id = chosen.remains_photo_id;
    person_photo_id = chosen.person_photo_id;
  }
  CombineEvidence(std::move(face), face_distance, person, remains, explain, out);
  out->remains_photo_id = remains_photo_id;
  out->person_photo_id = person_photo_id;
}

std::vector<RankKey> ScanCandidates(const CandidatePool& pool, const PairScorer& scorer,
                                    const RemainsEvidence& remains,
                                    std::span<const index::TemplateView> probes,
                                    bool include_excluded, int threads) {
  std::vector<RankKey> scored;
  pool.Visit([&](std::span<const Candidate> people) {
    const size_t parts = people.size() < 4096 ? 1 : static_cast<size_t>(std::clamp(threads, 1, 16));
    std::vector<std::vector<RankKey>> found(parts);
    const auto scan = [&](size_t part) {
      std::vector<index::TemplateView> views;  // one candidate's templates at a time
      PairEvidence scratch;
      std::vector<RankKey>& mine = found[part];
      const size_t begin = people.size() * part / parts;
      const size_t end = people.size() * (part + 1) / parts;
      mine.reserve(end - begin);
      for (const Candidate& candidate : people.subspan(begin, end - begin)) {
        views.clear();
        if (!probes.empty()) {
          for (const index::GalleryTemplate& t : candidate.templates) {
            views.push_back(index::ViewOf(t));
          }
        }
        scorer.Score(candidate.profile, remains, probes, views, /*explain=*/false, &scratch);
        if (scratch.excluded && !include_excluded) continue;
        mine.push_back(RankKeyOf(scratch, candidate.profile.meta.id));
      }
    };
    std::vector<std::thread> helpers;
    for (size_t part = 1; part < parts; ++part) helpers.emplace_back(scan, part);
    scan(0);
    for (std::thread& helper : helpers) helper.join();
    for (std::vector<RankKey>& part : found) scored.insert(scored.end(), part.begin(), part.end());
  });
  return scored;
}

}  // namespace encuentro::matching
