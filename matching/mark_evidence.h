// Evidence from distinguishing marks (tattoos, scars, implants...): a mark seen on the remains
// and reported by the family, a mark on the remains the family never reported, and a reported
// mark absent from a body whose condition would show it. Each is a likelihood ratio against how
// common such a mark is in the registry. The model, its defaults and their sources are in
// matching/README.md ("Marks").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "records/model.h"

namespace encuentro::matching {

// The words of a keyword as matching compares them: lower case, accents and punctuation
// dropped, Spanish plurals reduced ("Rosas" -> "rosa", "corazones" -> "corazon", "cruces" ->
// "cruz"), and function words ("de", "la", "nombre", "of"...) left out.
std::vector<std::string> KeywordTokens(const std::string& keyword);
// Every token of every keyword of a mark, sorted and unique.
std::vector<std::string> MarkTokens(const records::DistinguishingMark& mark);

// How common recorded marks are among the registry's live missing persons. Immutable once
// built; safe to share.
class MarkFrequencies {
 public:
  // Without registry counts: the documented prior shares alone.
  MarkFrequencies() = default;
  explicit MarkFrequencies(const records::RegistryCounts& counts);

  // Share of people with a recorded mark of `kind` in `region` (kUnspecified: anywhere),
  // shrunk towards a documented prior share (worth kPriorPeople people) so that a small registry
  // is not overconfident.
  double KindRegion(records::MarkKind kind, records::BodyRegion region) const;
  // Share of the people with a mark of `kind` whose keywords include `token`, shrunk likewise.
  double KindToken(records::MarkKind kind, const std::string& token) const;
  int64_t people() const { return people_; }

  static constexpr double kPriorPeople = 50;

 private:
  int64_t people_ = 0;
  std::map<std::pair<records::MarkKind, records::BodyRegion>, int64_t> kind_region_;
  std::unordered_map<std::string, int64_t> kind_token_;  // key: kind number, '/', token
};

// The marks model's assumptions; defaults in matching/README.md.
struct MarkEvidenceOptions {
  // The region a family names agrees with the examiner's (the rest: a neighbouring region).
  double region_agreement = 0.8;
  // Left/right agree between family and examiner (mirror-image mistakes happen).
  double side_agreement = 0.9;
  // A shared keyword, when both sides describe the same mark with keywords.
  double keyword_agreement = 0.6;
  // A reported mark was real (not a mistaken report).
  double reported_mark_real = 0.95;
  // No side may count for or against more than this (log10).
  double max_abs_log10_lr = 4;
};

// P(the family reports a mark of this kind | the person had it): families know tattoos and
// amputations, less often scars, piercings or implants.
double MarkReportRate(records::MarkKind kind);
// P(an examiner sees a mark of this kind on remains in this condition | it is there): skin marks
// are lost to decomposition, fire and skeletonisation; amputations, implants and deformities
// survive on bone. Zero when the condition is not recorded.
double MarkVisibility(records::MarkKind kind, records::RemainsCondition condition);

// The marks of one (remains, person) pair compared.
struct MarkComparison {
  // False when there was nothing to compare (no marks on either side, or reported marks only
  // and the body not examined for marks).
  bool compared = false;
  // Unbounded.
  double log10_lr = 0;
  // Marks seen on the remains that the family reported too.
  int matched = 0;
  // For reviewers; empty unless asked for.
  std::string reason;
};

// `remains_tokens[i]` is MarkTokens(remains_marks[i]), worked out once per search.
MarkComparison CompareMarks(const std::vector<records::DistinguishingMark>& person_marks,
                            const std::vector<records::DistinguishingMark>& remains_marks,
                            const std::vector<std::vector<std::string>>& remains_tokens,
                            records::RemainsCondition condition, bool marks_examined,
                            const MarkFrequencies& frequencies, const MarkEvidenceOptions& options,
                            bool explain);

}  // namespace encuentro::matching
