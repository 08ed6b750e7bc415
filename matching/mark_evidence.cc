#include "matching/mark_evidence.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <string_view>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace encuentro::matching {
namespace {

using records::BodyRegion;
using records::BodySide;
using records::MarkKind;
using records::RemainsCondition;

// The ASCII letter a two-byte UTF-8 Latin-1 letter (0xC3 0x80..0xBF) folds to, or 0.
char FoldLatin1(unsigned char second) {
  static constexpr std::string_view kFolds =
      // 0x80-0x9F: ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß
      "aaaaaaaceeeeiiiidnooooo\0ouuuuy\0s"
      // 0xA0-0xBF: àáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ
      "aaaaaaaceeeeiiiidnooooo\0ouuuuy\0y";
  if (second < 0x80 || second > 0xBF) return 0;
  return kFolds[second - 0x80];
}

bool IsStopword(const std::string& word) {
  static const std::set<std::string, std::less<>> kStopwords = {
      "a",  "al",  "and", "con", "de",   "del",    "e",    "el",   "en",
      "in", "la",  "las", "los", "name", "nombre", "o",    "of",   "on",
      "su", "sus", "the", "un",  "una",  "unas",   "unos", "with", "y"};
  return kStopwords.contains(word);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Spanish plurals to the singular, approximately and the same way on both sides.
std::string Singular(std::string word) {
  if (word.size() >= 5 && EndsWith(word, "ces")) return word.substr(0, word.size() - 3) + "z";
  if (word.size() >= 5 && EndsWith(word, "es") &&
      std::string_view("rlndzj").find(word[word.size() - 3]) != std::string_view::npos) {
    return word.substr(0, word.size() - 2);
  }
  if (word.size() >= 4 && EndsWith(word, "s") && !EndsWith(word, "ss")) {
    return word.substr(0, word.size() - 1);
  }
  return word;
}

// Prior shares of people with a recorded mark of each kind, anywhere on the body
// (matching/README.md); a given region holds about a sixth of them.
double PriorShare(MarkKind kind) {
  switch (kind) {
    case MarkKind::kTattoo:
      return 0.30;
    case MarkKind::kScar:
      return 0.20;
    case MarkKind::kPiercing:
      return 0.10;
    case MarkKind::kBirthmark:
    case MarkKind::kOther:
      return 0.05;
    case MarkKind::kDeformity:
      return 0.02;
    case MarkKind::kAmputation:
    case MarkKind::kMedicalImplant:
    case MarkKind::kUnspecified:
      break;
  }
  return 0.01;
}
constexpr double kRegionsPerKind = 6;
constexpr double kPriorTokenShare = 0.05;

bool SkinMark(MarkKind kind) {
  return kind != MarkKind::kAmputation && kind != MarkKind::kDeformity &&
         kind != MarkKind::kMedicalImplant;
}

enum class RegionFit { kNone, kExact, kAdjacent, kUnstated };

RegionFit FitOf(BodyRegion a, BodyRegion b) {
  if (a == BodyRegion::kUnspecified || b == BodyRegion::kUnspecified) return RegionFit::kUnstated;
  if (a == b) return RegionFit::kExact;
  static constexpr std::array<std::pair<BodyRegion, BodyRegion>, 10> kAdjacent = {{
      {BodyRegion::kHead, BodyRegion::kNeck},
      {BodyRegion::kNeck, BodyRegion::kChest},
      {BodyRegion::kNeck, BodyRegion::kBack},
      {BodyRegion::kChest, BodyRegion::kAbdomen},
      {BodyRegion::kChest, BodyRegion::kArm},
      {BodyRegion::kBack, BodyRegion::kArm},
      {BodyRegion::kArm, BodyRegion::kForearm},
      {BodyRegion::kForearm, BodyRegion::kHand},
      {BodyRegion::kThigh, BodyRegion::kLeg},
      {BodyRegion::kLeg, BodyRegion::kFoot},
  }};
  for (const auto& [x, y] : kAdjacent) {
    if ((a == x && b == y) || (a == y && b == x)) return RegionFit::kAdjacent;
  }
  return RegionFit::kNone;
}

bool LeftOrRight(BodySide side) { return side == BodySide::kLeft || side == BodySide::kRight; }

const char* KindWord(MarkKind kind) {
  switch (kind) {
    case MarkKind::kTattoo:
      return "tattoo";
    case MarkKind::kScar:
      return "scar";
    case MarkKind::kBirthmark:
      return "birthmark";
    case MarkKind::kPiercing:
      return "piercing";
    case MarkKind::kAmputation:
      return "amputation";
    case MarkKind::kDeformity:
      return "deformity";
    case MarkKind::kMedicalImplant:
      return "medical implant";
    case MarkKind::kOther:
    case MarkKind::kUnspecified:
      break;
  }
  return "mark";
}

const char* RegionWord(BodyRegion region) {
  static constexpr const char* kWords[] = {"body",    "head",  "neck",      "chest",
                                           "abdomen", "back",  "upper arm", "forearm",
                                           "hand",    "thigh", "lower leg", "foot"};
  return kWords[static_cast<int>(region)];
}

std::string Where(const records::DistinguishingMark& m) {
  const char* side = m.side == BodySide::kLeft    ? "left "
                     : m.side == BodySide::kRight ? "right "
                                                  : "";
  return absl::StrFormat("%s, %s%s", KindWord(m.kind), side, RegionWord(m.region));
}

const char* ConditionWord(RemainsCondition condition) {
  static constexpr const char* kWords[] = {"condition not recorded",
                                           "complete",
                                           "decomposed",
                                           "skeletonized",
                                           "fragmentary",
                                           "burned",
                                           "commingled"};
  return kWords[static_cast<int>(condition)];
}

}  // namespace

std::vector<std::string> KeywordTokens(const std::string& keyword) {
  std::vector<std::string> tokens;
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && !IsStopword(word)) tokens.push_back(Singular(word));
    word.clear();
  };
  for (size_t i = 0; i < keyword.size(); ++i) {
    const auto c = static_cast<unsigned char>(keyword[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        word += static_cast<char>(std::tolower(c));
      } else {
        flush();
      }
    } else if (c == 0xC3 && i + 1 < keyword.size()) {
      const char folded = FoldLatin1(static_cast<unsigned char>(keyword[i + 1]));
      if (folded != 0) {
        word += folded;
      } else {
        flush();
      }
      ++i;
    } else {
      word += static_cast<char>(c);  // other scripts: kept as they are
    }
  }
  flush();
  return tokens;
}

std::vector<std::string> MarkTokens(const records::DistinguishingMark& mark) {
  std::vector<std::string> tokens;
  for (const std::string& keyword : mark.keywords) {
    for (std::string& t : KeywordTokens(keyword)) tokens.push_back(std::move(t));
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

MarkFrequencies::MarkFrequencies(const records::RegistryCounts& counts) : people_(counts.people) {
  for (const auto& c : counts.marks) kind_region_[{c.kind, c.region}] += c.people;
  for (const auto& c : counts.mark_keywords) {
    // Several recorded keywords may fold to one token; each person is counted once per keyword,
    // so a person is counted at most as often as they wrote variants of it (rare).
    for (const std::string& token : KeywordTokens(c.keyword)) {
      kind_token_[std::to_string(static_cast<int>(c.kind)) + "/" + token] += c.people;
    }
  }
}

double MarkFrequencies::KindRegion(MarkKind kind, BodyRegion region) const {
  const double prior =
      PriorShare(kind) / (region == BodyRegion::kUnspecified ? 1.0 : kRegionsPerKind);
  const auto it = kind_region_.find({kind, region});
  const double n = it == kind_region_.end() ? 0 : static_cast<double>(it->second);
  return std::clamp((n + kPriorPeople * prior) / (static_cast<double>(people_) + kPriorPeople),
                    1e-4, 0.99);
}

double MarkFrequencies::KindToken(MarkKind kind, const std::string& token) const {
  const auto with_kind = kind_region_.find({kind, BodyRegion::kUnspecified});
  const double n_kind =
      with_kind == kind_region_.end() ? 0 : static_cast<double>(with_kind->second);
  const auto it = kind_token_.find(std::to_string(static_cast<int>(kind)) + "/" + token);
  const double n = it == kind_token_.end() ? 0 : static_cast<double>(it->second);
  return std::clamp((n + kPriorPeople * kPriorTokenShare) / (n_kind + kPriorPeople), 1e-4, 0.99);
}

double MarkReportRate(MarkKind kind) {
  switch (kind) {
    case MarkKind::kAmputation:
      return 0.95;
    case MarkKind::kTattoo:
      return 0.8;
    case MarkKind::kDeformity:
      return 0.7;
    case MarkKind::kBirthmark:
      return 0.6;
    case MarkKind::kScar:
    case MarkKind::kPiercing:
    case MarkKind::kMedicalImplant:
      return 0.5;
    case MarkKind::kOther:
    case MarkKind::kUnspecified:
      break;
  }
  return 0.3;
}

double MarkVisibility(MarkKind kind, RemainsCondition condition) {
  const bool skin = SkinMark(kind);
  switch (condition) {
    case RemainsCondition::kComplete:
      return 0.9;
    case RemainsCondition::kDecomposed:
      return skin ? 0.5 : 0.9;
    case RemainsCondition::kSkeletonized:
      return skin ? 0.0 : 0.8;
    case RemainsCondition::kBurned:
      return skin ? 0.2 : 0.7;
    case RemainsCondition::kFragmentary:
      return skin ? 0.1 : 0.3;
    case RemainsCondition::kCommingled:
    case RemainsCondition::kUnspecified:
      break;
  }
  return 0;
}

MarkComparison CompareMarks(const std::vector<records::DistinguishingMark>& person_marks,
                            const std::vector<records::DistinguishingMark>& remains_marks,
                            const std::vector<std::vector<std::string>>& remains_tokens,
                            RemainsCondition condition, bool marks_examined,
                            const MarkFrequencies& frequencies, const MarkEvidenceOptions& o,
                            bool explain) {
  MarkComparison result;
  if (remains_marks.empty() && (!marks_examined || person_marks.empty())) {
    if (explain) {
      result.reason = person_marks.empty() ? "no marks recorded on either side"
                                           : "the remains were not examined for marks";
    }
    return result;
  }
  result.compared = true;
  std::vector<std::string> reasons;
  std::vector<bool> paired(person_marks.size(), false);
  std::vector<std::vector<std::string>> person_tokens(person_marks.size());
  std::vector<bool> tokenized(person_marks.size(), false);

  for (size_t i = 0; i < remains_marks.size(); ++i) {
    const records::DistinguishingMark& pm = remains_marks[i];
    const double report = MarkReportRate(pm.kind);
    double best_lr = 0;
    size_t best = person_marks.size();
    std::string best_detail;
    for (size_t j = 0; j < person_marks.size(); ++j) {
      const records::DistinguishingMark& am = person_marks[j];
      if (paired[j] || am.kind != pm.kind) continue;
      const RegionFit fit = FitOf(am.region, pm.region);
      double lr = 0;
      switch (fit) {
        case RegionFit::kNone:
          continue;
        case RegionFit::kExact:
          lr = report * o.region_agreement / frequencies.KindRegion(am.kind, am.region);
          break;
        case RegionFit::kAdjacent:
          lr = report * (1 - o.region_agreement) / 2 / frequencies.KindRegion(am.kind, am.region);
          break;
        case RegionFit::kUnstated:
          lr = report / frequencies.KindRegion(am.kind, BodyRegion::kUnspecified);
          break;
      }
      if (LeftOrRight(am.side) && LeftOrRight(pm.side)) {
        lr *= (am.side == pm.side ? o.side_agreement : 1 - o.side_agreement) / 0.5;
      }
      std::string detail;
      const std::vector<std::string>& pm_tokens = remains_tokens[i];
      if (!pm_tokens.empty() && !am.keywords.empty()) {
        if (!tokenized[j]) {
          person_tokens[j] = MarkTokens(am);
          tokenized[j] = true;
        }
        std::vector<std::string> shared;
        std::set_intersection(pm_tokens.begin(), pm_tokens.end(), person_tokens[j].begin(),
                              person_tokens[j].end(), std::back_inserter(shared));
        if (!shared.empty()) {
          double rarest = 1;
          for (const std::string& t : shared)
            rarest = std::min(rarest, frequencies.KindToken(am.kind, t));
          lr *= o.keyword_agreement / rarest;
          if (explain) detail = "shared keywords: " + absl::StrJoin(shared, ", ");
        } else if (!person_tokens[j].empty()) {
          lr *= (1 - o.keyword_agreement) / (1 - kPriorTokenShare);
          if (explain) detail = "no keyword in common";
        }
      }
      if (fit == RegionFit::kAdjacent && explain) {
        detail = absl::StrCat(detail.empty() ? "" : detail + ", ", "reported on the ",
                              RegionWord(am.region));
      }
      if (lr > best_lr) {
        best_lr = lr;
        best = j;
        best_detail = std::move(detail);
      }
    }
    if (best < person_marks.size()) {
      paired[best] = true;
      ++result.matched;
      result.log10_lr += std::log10(best_lr);
      if (explain) {
        reasons.push_back(
            absl::StrFormat("%s on the remains was reported by the family%s (LR %.3g)", Where(pm),
                            best_detail.empty() ? "" : " (" + best_detail + ")", best_lr));
      }
    } else {
      const double lr =
          (1 - report) / (1 - frequencies.KindRegion(pm.kind, BodyRegion::kUnspecified));
      result.log10_lr += std::log10(lr);
      if (explain) {
        reasons.push_back(
            absl::StrFormat("%s on the remains was not reported (LR %.2g)", Where(pm), lr));
      }
    }
  }

  for (size_t j = 0; j < person_marks.size(); ++j) {
    if (paired[j] || !marks_examined) continue;
    const records::DistinguishingMark& am = person_marks[j];
    const double seen = MarkVisibility(am.kind, condition);
    if (seen <= 0) {
      if (explain) {
        reasons.push_back(absl::StrFormat("reported %s could not be observed (%s)", Where(am),
                                          ConditionWord(condition)));
      }
      continue;
    }
    const double lr =
        (1 - seen * o.reported_mark_real) / (1 - seen * frequencies.KindRegion(am.kind, am.region));
    result.log10_lr += std::log10(lr);
    if (explain) {
      reasons.push_back(
          absl::StrFormat("reported %s was not found on the examined body (%s, LR %.2g)", Where(am),
                          ConditionWord(condition), lr));
    }
  }
  if (explain) result.reason = absl::StrJoin(reasons, "; ");
  return result;
}

}  // namespace encuentro::matching
