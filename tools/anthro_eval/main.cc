// encuentro_anthro_eval: accuracy of LDA sex estimation on a reference sample in the Howells
// layout, by leave-one-out on one file or by fitting on one file and testing on another.
//
//   encuentro_anthro_eval --reference howells.csv --loo
//   encuentro_anthro_eval --reference ref.csv --test cases.csv --variables GOL,XCB,ZYB
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "anthropology/lda.h"
#include "anthropology/reference_sample.h"
#include "anthropology/sex_estimation.h"

namespace {

using encuentro::anthropology::BuildReferenceDesign;
using encuentro::anthropology::LdaClassification;
using encuentro::anthropology::ReferenceDesign;
using encuentro::anthropology::ReferenceSample;
using encuentro::anthropology::Sex;
using encuentro::anthropology::TwoGroupLda;

// Standard cranial measurements of DCP 2.0/FORDISC that Howells also took, every one present on
// all 2,524 Howells crania: GOL, XCB, ZYB, BBH, BNL, BPL, MAB, AUB, NPH (UFHT), NLH, NLB, OBB,
// OBH, EKB, DKB, FRC, PAC, OCC, FOL, MDH, ASB, XFB.
const std::vector<std::string> kDefaultVariables = {
    "GOL", "XCB", "ZYB", "BBH", "BNL", "BPL", "MAB", "AUB", "NPH", "NLH", "NLB",
    "OBB", "OBH", "EKB", "DKB", "FRC", "PAC", "OCC", "FOL", "MDH", "ASB", "XFB"};

struct Tally {
  int total = 0;
  int correct = 0;
  int undetermined = 0;        // Max posterior below the threshold.
  int determined_correct = 0;  // Correct among those above the threshold.

  void Add(bool is_correct, bool determined) {
    ++total;
    correct += is_correct ? 1 : 0;
    if (determined) {
      determined_correct += is_correct ? 1 : 0;
    } else {
      ++undetermined;
    }
  }
};

double Percent(int part, int whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; }

void PrintRow(const std::string& label, const Tally& tally) {
  const int determined = tally.total - tally.undetermined;
  fmt::print("{:<12} {:>6} {:>9.1f}% {:>13.1f}% {:>13.1f}%\n", label, tally.total,
             Percent(tally.correct, tally.total), Percent(tally.undetermined, tally.total),
             Percent(tally.determined_correct, determined));
}

// Splits a comma-separated option, trimming blanks around each item ("SANTA CR" keeps its space).
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
    start = end + 1;
  }
  return items;
}

int Fail(const std::string& message) {
  fmt::print(stderr, "encuentro_anthro_eval: {}\n", message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Accuracy of FORDISC-style LDA sex estimation on a Howells-layout sample"};
  std::string reference_path;
  std::string test_path;
  bool loo = false;
  bool own_population = false;
  std::string variables_text;
  std::string populations_text;
  double threshold = 0.8;
  app.add_option("--reference", reference_path, "Reference sample CSV (Howells layout)")
      ->required();
  app.add_option("--test", test_path, "Test sample CSV (Howells layout); omit with --loo");
  app.add_flag("--loo", loo, "Leave-one-out on the reference sample itself");
  app.add_flag("--own-population", own_population,
               "Fit each test case on its own population only (as when the reference matches "
               "the population of the remains) instead of on the whole reference");
  app.add_option("--variables", variables_text,
                 "Comma-separated codes (default: 22 standard cranial measurements)");
  app.add_option("--populations", populations_text,
                 "Comma-separated reference populations to fit on (default: all)");
  app.add_option("--threshold", threshold,
                 "Posterior below which a case counts as undetermined (default 0.8, a common "
                 "forensic reporting cut-off)")
      ->check(CLI::Range(0.5, 1.0));
  CLI11_PARSE(app, argc, argv);
  if (loo == !test_path.empty()) return Fail("give exactly one of --test or --loo");

  absl::StatusOr<ReferenceSample> reference = ReferenceSample::LoadHowellsCsv(reference_path);
  if (!reference.ok()) return Fail(std::string(reference.status().message()));
  const std::vector<std::string> variables =
      variables_text.empty() ? kDefaultVariables : SplitList(variables_text);
  std::vector<std::string> populations = SplitList(populations_text);

  // Each evaluation unit: a design to fit on and, for --test, the rows to classify.
  struct Outcome {
    Sex truth;
    std::string population;
    LdaClassification classification;
  };
  std::vector<Outcome> outcomes;
  int dropped = 0;

  auto fit_groups = [&](const std::vector<std::string>& fit_populations) {
    return BuildReferenceDesign(*reference, variables, fit_populations);
  };
  // Which reference population sets to fit: one (all chosen), or one per population.
  std::vector<std::vector<std::string>> fits;
  if (own_population) {
    for (const std::string& population :
         populations.empty() ? reference->Populations() : populations) {
      fits.push_back({population});
    }
  } else {
    fits.push_back(populations);
  }

  // With --own-population a population that cannot be fitted alone (e.g. one sex only) is
  // skipped and listed; with a pooled reference any failure is fatal.
  std::vector<std::string> skipped;
  auto cannot_fit = [&](const std::vector<std::string>& fit_populations,
                        const absl::Status& status) {
    const std::string label = fit_populations.empty() ? "reference" : fit_populations[0];
    const std::string message = fmt::format("{}: {}", label, std::string(status.message()));
    if (!own_population) return false;
    skipped.push_back(message);
    return true;
  };

  std::optional<ReferenceSample> test;
  if (!loo) {
    absl::StatusOr<ReferenceSample> loaded = ReferenceSample::LoadHowellsCsv(test_path);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    test = *std::move(loaded);
  }
  for (const std::vector<std::string>& fit_populations : fits) {
    absl::StatusOr<ReferenceDesign> design = fit_groups(fit_populations);
    absl::StatusOr<TwoGroupLda> model = design.ok() ? TwoGroupLda::Fit(design->rows, design->groups)
                                                    : absl::StatusOr<TwoGroupLda>(design.status());
    if (!model.ok()) {
      if (cannot_fit(fit_populations, model.status())) continue;
      return Fail(std::string(model.status().message()));
    }
    if (loo) {
      dropped += design->dropped_incomplete;
      absl::StatusOr<std::vector<LdaClassification>> results = model->LeaveOneOut();
      if (!results.ok()) {
        if (cannot_fit(fit_populations, results.status())) continue;
        return Fail(std::string(results.status().message()));
      }
      for (size_t r = 0; r < results->size(); ++r) {
        const auto& individual = reference->individuals()[design->individuals[r]];
        outcomes.push_back({individual.sex, individual.population, (*results)[r]});
      }
      continue;
    }
    // The test rows this model judges: all of them, or those of its own population.
    if (own_population) {
      const std::vector<std::string> present = test->Populations();
      if (std::find(present.begin(), present.end(), fit_populations[0]) == present.end()) {
        continue;
      }
    }
    absl::StatusOr<ReferenceDesign> cases = BuildReferenceDesign(
        *test, variables, own_population ? fit_populations : std::vector<std::string>{});
    if (!cases.ok()) return Fail(std::string(cases.status().message()));
    dropped += cases->dropped_incomplete;
    for (size_t r = 0; r < cases->rows.size(); ++r) {
      const auto& individual = test->individuals()[cases->individuals[r]];
      outcomes.push_back({individual.sex, individual.population, model->Classify(cases->rows[r])});
    }
  }

  Tally overall;
  std::map<std::string, Tally> by_sex;
  std::map<std::string, Tally> by_population;
  for (const Outcome& outcome : outcomes) {
    const auto& groups = outcome.classification.groups;
    const bool correct = outcome.classification.predicted_group == static_cast<int>(outcome.truth);
    const bool determined = std::max(groups[0].posterior, groups[1].posterior) >= threshold;
    overall.Add(correct, determined);
    by_sex[std::string(encuentro::anthropology::SexName(outcome.truth))].Add(correct, determined);
    by_population[outcome.population].Add(correct, determined);
  }

  fmt::print("mode: {}{}\n", loo ? "leave-one-out" : "train/test",
             own_population ? ", each case against its own population" : ", pooled reference");
  fmt::print("variables ({}): {}\n", variables.size(), fmt::join(variables, ","));
  fmt::print("posterior threshold: {}\n", threshold);
  fmt::print("cases classified: {} (skipped for a missing variable: {})\n\n", overall.total,
             dropped);
  fmt::print("{:<12} {:>6} {:>10} {:>14} {:>14}\n", "group", "n", "accuracy", "undetermined",
             "acc.|determ.");
  PrintRow("overall", overall);
  for (const auto& [sex, tally] : by_sex) PrintRow(sex, tally);
  fmt::print("\n");
  for (const auto& [population, tally] : by_population) PrintRow(population, tally);
  for (const std::string& message : skipped) fmt::print("skipped {}\n", message);
  return 0;
}
