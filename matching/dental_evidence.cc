#include "matching/dental_evidence.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace encuentro::matching {
namespace {

using records::Restoration;
using records::RestorationKind;
using records::Tooth;
using records::ToothState;

// Prior shares of each feature at a tooth among charted people (matching/README.md).
double PriorShare(ToothFeature feature) {
  switch (feature) {
    case ToothFeature::kMissingAnteMortem:
      return 0.08;
    case ToothFeature::kFilling:
      return 0.15;
    case ToothFeature::kCrown:
    case ToothFeature::kRootCanal:
      return 0.03;
    case ToothFeature::kProsthesis:
      return 0.02;
    case ToothFeature::kBridge:
      return 0.01;
    case ToothFeature::kImplant:
      break;
  }
  return 0.005;
}

ToothFeature FeatureOf(RestorationKind kind) {
  return static_cast<ToothFeature>(static_cast<int>(kind) + 1);
}

const Restoration* Find(const Tooth& tooth, RestorationKind kind) {
  for (const Restoration& r : tooth.restorations) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

// Is the ante-mortem treatment `am` still there post-mortem, in `pm`? A filling may have grown
// (more surfaces) or been covered by a crown; anything may have been replaced by an implant.
bool StillThere(const Restoration& am, const Tooth& pm) {
  if (Find(pm, RestorationKind::kImplant) != nullptr) return true;
  switch (am.kind) {
    case RestorationKind::kFilling: {
      if (Find(pm, RestorationKind::kCrown) != nullptr) return true;
      const Restoration* filling = Find(pm, RestorationKind::kFilling);
      return filling != nullptr && (filling->surfaces & am.surfaces) == am.surfaces;
    }
    case RestorationKind::kCrown:
    case RestorationKind::kRootCanal:
    case RestorationKind::kBridge:
    case RestorationKind::kProsthesis:
      return Find(pm, am.kind) != nullptr;
    case RestorationKind::kImplant:
      break;
  }
  return false;
}

// One tooth examined on both sides.
struct ToothOutcome {
  int matching_features = 0;
  double log10_lr = 0;
  int explainable = 0;
  int unexplained = 0;
  bool excludes = false;
  std::string note;  // for reviewers, when not a plain agreement
};

ToothOutcome CompareTooth(const Tooth& am, const Tooth& pm, const DentalFrequencies& f,
                          const DentalEvidenceOptions& o) {
  ToothOutcome out;
  const auto match = [&](ToothFeature feature) {
    ++out.matching_features;
    out.log10_lr += std::log10((1 - o.charting_error) / f.Share(am.fdi, feature));
  };
  if (pm.state == ToothState::kMissingPostMortem) return out;  // lost after death: nothing to see
  switch (am.state) {
    case ToothState::kMissingAnteMortem:
      if (pm.state == ToothState::kMissingAnteMortem) {
        match(ToothFeature::kMissingAnteMortem);
      } else {
        out.excludes = true;
        out.note = "lost in life in the dental record, present on the remains";
      }
      return out;
    case ToothState::kUnerupted:
      if (pm.state != ToothState::kUnerupted) ++out.explainable;  // erupted, or lost, since
      return out;
    case ToothState::kPresent:
      break;
    case ToothState::kNotExamined:
    case ToothState::kMissingPostMortem:
      return out;
  }
  if (pm.state == ToothState::kMissingAnteMortem) {
    ++out.explainable;  // extracted after the record
    return out;
  }
  if (pm.state == ToothState::kUnerupted) {
    ++out.unexplained;
    out.note = "present in the dental record, unerupted on the remains";
    return out;
  }
  bool gone = false;
  for (const Restoration& r : am.restorations) gone = gone || !StillThere(r, pm);
  if (gone) {
    ++out.unexplained;
    out.note = "treatment in the dental record missing on the remains";
    return out;
  }
  // Every ante-mortem treatment is there; features on both sides match, the rest came later.
  for (const Restoration& r : pm.restorations) {
    if (Find(am, r.kind) != nullptr) {
      match(FeatureOf(r.kind));
    } else {
      ++out.explainable;
    }
  }
  return out;
}

}  // namespace

DentalFrequencies::DentalFrequencies(const records::RegistryCounts& counts)
    : charts_(counts.dental_charts) {
  static constexpr const char* kNames[] = {"missing_am", "filling", "crown",     "root_canal",
                                           "bridge",     "implant", "prosthesis"};
  for (const auto& c : counts.tooth_features) {
    if (c.fdi < 0 || c.fdi >= static_cast<int>(counts_.size())) continue;
    for (int k = 0; k < kToothFeatures; ++k) {
      if (c.feature == kNames[k])
        counts_[static_cast<size_t>(c.fdi)][static_cast<size_t>(k)] += c.people;
    }
  }
}

double DentalFrequencies::Share(int fdi, ToothFeature feature) const {
  const double n =
      fdi >= 0 && fdi < static_cast<int>(counts_.size())
          ? static_cast<double>(counts_[static_cast<size_t>(fdi)][static_cast<size_t>(feature)])
          : 0;
  return std::clamp(
      (n + kPriorCharts * PriorShare(feature)) / (static_cast<double>(charts_) + kPriorCharts),
      1e-4, 0.99);
}

DentalComparison CompareDental(const records::DentalChart& am, const records::DentalChart& pm,
                               const DentalFrequencies& frequencies, const DentalEvidenceOptions& o,
                               bool explain) {
  DentalComparison result;
  std::vector<std::string> notes;
  std::vector<std::string> matched;
  // Both charts are sorted by tooth number.
  auto a = am.teeth.begin();
  auto p = pm.teeth.begin();
  while (a != am.teeth.end() && p != pm.teeth.end()) {
    if (a->fdi < p->fdi) {
      ++a;
      continue;
    }
    if (p->fdi < a->fdi) {
      ++p;
      continue;
    }
    ++result.teeth_compared;
    const ToothOutcome t = CompareTooth(*a, *p, frequencies, o);
    result.matching += t.matching_features;
    result.explainable += t.explainable;
    result.unexplained += t.unexplained;
    result.excludes = result.excludes || t.excludes;
    result.log10_lr += t.log10_lr;
    if (explain) {
      if (!t.note.empty()) notes.push_back(absl::StrFormat("%d: %s", a->fdi, t.note));
      if (t.matching_features > 0) matched.push_back(std::to_string(a->fdi));
    }
    ++a;
    ++p;
  }
  if (result.teeth_compared == 0) {
    if (explain) result.reason = "no tooth charted on both sides";
    return result;
  }
  result.compared = true;
  result.log10_lr += result.unexplained * std::log10(o.unexplained_lr);
  result.excludes = result.excludes || result.unexplained >= o.exclusion_unexplained;
  if (explain) {
    result.reason = absl::StrFormat(
        "%d teeth compared: %d matching features%s, %d explainable and %d unexplained "
        "differences",
        result.teeth_compared, result.matching,
        matched.empty() ? "" : " (teeth " + absl::StrJoin(matched, ", ") + ")", result.explainable,
        result.unexplained);
    if (!notes.empty()) result.reason += "; " + absl::StrJoin(notes, "; ");
  }
  return result;
}

}  // namespace encuentro::matching
