// encuentro_evidence_eval: measures the evidence engine on simulated registries with known truth.
//
//   encuentro_evidence_eval [--calibration FILE] [--registry N] [--seed S] [--tippett OUT.svg]
//                           [--sweep 1000,10000,100000] [--am-pm] [--compare-am-pm]
//
// The lead threshold is chosen on a separate tuning registry (seed S + 1000): the smallest
// posterior from a fixed grid at which remains not in the registry raise at most
// --max-false-leads leads per 100. The figures are then reported on registry S, out of sample.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "matching/face_calibration.h"
#include "tools/evidence_eval/simulation.h"

namespace encuentro::evaluation {
namespace {

const std::vector<double> kThresholds = {0.001, 0.01, 0.02, 0.05, 0.1, 0.2,
                                         0.3,   0.5,  0.7,  0.9,  0.99};

double OracleRate(const SimulationResult& r, int within) {
  int n = 0, hit = 0;
  for (const auto& o : r.remains) {
    if (o.kind != RemainsKind::kFaceless) continue;
    ++n;
    hit += o.oracle_rank > 0 && o.oracle_rank <= within;
  }
  return n ? static_cast<double>(hit) / n : 0;
}

double Rate(const SimulationResult& r, RemainsKind kind, int within) {
  int n = 0, hit = 0;
  for (const auto& o : r.remains) {
    if (o.kind != kind) continue;
    ++n;
    hit += o.true_rank > 0 && o.true_rank <= within;
  }
  return n ? static_cast<double>(hit) / n : 0;
}

int Unscored(const SimulationResult& r, RemainsKind kind) {
  int n = 0;
  for (const auto& o : r.remains) n += o.kind == kind && o.true_rank == 0;
  return n;
}

double Share(const std::vector<double>& xs, bool above_zero) {
  if (xs.empty()) return 0;
  double n = 0;
  for (double x : xs) n += above_zero ? x > 0 : x < 0;
  return n / static_cast<double>(xs.size());
}

void PrintCurve(const SimulationResult& r) {
  std::printf(
      "  posterior  true leads  false leads/100 unregistered  unregistered with a lead  "
      "false share of all leads\n");
  for (double t : kThresholds) {
    const LeadRates l = LeadsAt(r, t);
    std::printf("  %9.3f  %9.1f%%  %28.1f  %23.1f%%  %23.1f%%\n", t, 100 * l.true_lead_rate,
                l.false_leads_per_100_unregistered, 100 * l.unregistered_with_a_lead,
                100 * l.false_share_of_leads);
  }
}

// Proportion of LRs at least x, for genuine and impostor pairs, over log10 LR.
void WriteTippett(const std::string& path, const SimulationResult& r) {
  const double lo = -6, hi = 8, w = 640, h = 400, m = 50;
  const auto curve = [&](std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    std::string points;
    for (double x = lo; x <= hi + 1e-9; x += 0.05) {
      const auto at = std::lower_bound(xs.begin(), xs.end(), x);
      const double share = xs.empty() ? 0 : static_cast<double>(xs.end() - at) / xs.size();
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", m + (x - lo) / (hi - lo) * (w - 2 * m),
                    h - m - share * (h - 2 * m));
      points += buf;
    }
    return points;
  };
  std::ofstream out(path);
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h
      << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' "
         "fill='white'/>\n";
  for (int x = static_cast<int>(lo); x <= hi; x += 2) {
    const double px = m + (x - lo) / (hi - lo) * (w - 2 * m);
    out << "<line x1='" << px << "' y1='" << m << "' x2='" << px << "' y2='" << h - m
        << "' stroke='#ddd'/><text x='" << px - 6 << "' y='" << h - m + 16 << "'>" << x
        << "</text>\n";
  }
  for (double y : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    const double py = h - m - y * (h - 2 * m);
    out << "<line x1='" << m << "' y1='" << py << "' x2='" << w - m << "' y2='" << py
        << "' stroke='#eee'/><text x='" << m - 34 << "' y='" << py + 4 << "'>" << y << "</text>\n";
  }
  out << "<text x='" << w / 2 - 60 << "' y='" << h - 12 << "'>log10 LR (x)</text>\n"
      << "<text x='8' y='" << m - 16 << "'>proportion of pairs with log10 LR &gt;= x</text>\n"
      << "<polyline fill='none' stroke='#1f77b4' stroke-width='2' points='"
      << curve(r.genuine_log10_lr) << "'/>\n"
      << "<polyline fill='none' stroke='#d62728' stroke-width='2' stroke-dasharray='6,4' points='"
      << curve(r.impostor_log10_lr) << "'/>\n"
      << "<text x='" << w - 220 << "' y='" << m + 10
      << "' fill='#1f77b4'>same person (solid)</text>\n<text x='" << w - 220 << "' y='" << m + 26
      << "' fill='#d62728'>different people (dashed)</text>\n</svg>\n";
}

}  // namespace
}  // namespace encuentro::evaluation

int main(int argc, char** argv) {
  using namespace encuentro;
  using namespace encuentro::evaluation;
  CLI::App app{"Measures the evidence engine on simulated registries with known truth"};
  std::string calibration_path = "matching/data/face_calibration_default.json";
  SimulationOptions options;
  std::string tippett;
  std::vector<int> sweep;
  int sweep_remains = 40;
  double max_false_leads = 5;
  app.add_option("--calibration", calibration_path,
                 "Face calibration (its densities drive the "
                 "simulated face distances)");
  app.add_option("--registry", options.registry_size, "Registered missing persons");
  app.add_option("--with-face", options.remains_with_face, "Registered remains with a photo");
  app.add_option("--unregistered", options.remains_not_in_registry,
                 "Remains of people nobody registered (with a photo)");
  app.add_option("--faceless", options.remains_faceless, "Registered remains with no face");
  app.add_option("--seed", options.seed, "Seed of the reported registry");
  app.add_option("--max-false-leads", max_false_leads,
                 "Target false leads per 100 unregistered remains, for choosing the threshold");
  app.add_option("--tippett", tippett, "Write a Tippett plot (SVG) of the reported registry");
  app.add_option("--sweep", sweep,
                 "Registry sizes to measure false leads at, e.g. "
                 "1000,10000,100000")
      ->delimiter(',');
  app.add_option("--sweep-remains", sweep_remains, "Remains of each kind per swept size");
  app.add_flag("--am-pm", options.use_am_pm_data,
               "Records carry distinguishing marks and dental charts (families' reports, dental "
               "records, examiners' findings)");
  bool compare_am_pm = false;
  app.add_flag("--compare-am-pm", compare_am_pm,
               "Also rank the reported registry with and without marks and dental charts");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<matching::FaceCalibration> calibration =
      matching::FaceCalibration::LoadFile(calibration_path);
  if (!calibration.ok()) {
    std::fprintf(stderr, "%s\n", std::string(calibration.status().message()).c_str());
    return 1;
  }

  SimulationOptions tuning = options;
  tuning.seed = options.seed + 1000;
  std::fprintf(stderr, "tuning registry (seed %llu)...\n",
               static_cast<unsigned long long>(tuning.seed));
  const SimulationResult tuned = Simulate(tuning, *calibration);
  double threshold = kThresholds.back();
  for (double t : kThresholds) {
    if (LeadsAt(tuned, t).false_leads_per_100_unregistered <= max_false_leads) {
      threshold = t;
      break;
    }
  }
  std::fprintf(stderr, "reported registry (seed %llu)...\n",
               static_cast<unsigned long long>(options.seed));
  const SimulationResult r = Simulate(options, *calibration);

  std::printf("registry %d people; remains: %d with a face, %d not in the registry, %d faceless\n",
              options.registry_size, options.remains_with_face, options.remains_not_in_registry,
              options.remains_faceless);
  std::printf("face remains:     rank-1 %.1f%%, rank-10 %.1f%%\n",
              100 * Rate(r, RemainsKind::kWithFace, 1), 100 * Rate(r, RemainsKind::kWithFace, 10));
  std::printf("faceless remains: rank-1 %.1f%%, rank-10 %.1f%%, true person excluded %d of %d\n",
              100 * Rate(r, RemainsKind::kFaceless, 1), 100 * Rate(r, RemainsKind::kFaceless, 10),
              Unscored(r, RemainsKind::kFaceless), options.remains_faceless);
  std::printf(
      "  ceiling (Bayes-optimal under the simulator's own model): rank-1 %.1f%%, rank-10 "
      "%.1f%%\n",
      100 * OracleRate(r, 1), 100 * OracleRate(r, 10));
  std::printf(
      "combined LR: Cllr %.3f, Cllr_min %.3f (calibration loss %.3f) over %zu same-person "
      "and %zu different-person pairs\n",
      Cllr(r.genuine_log10_lr, r.impostor_log10_lr),
      CllrMin(r.genuine_log10_lr, r.impostor_log10_lr),
      Cllr(r.genuine_log10_lr, r.impostor_log10_lr) -
          CllrMin(r.genuine_log10_lr, r.impostor_log10_lr),
      r.genuine_log10_lr.size(), r.impostor_log10_lr.size());
  std::printf(
      "misleading evidence: %.2f%% of same-person pairs LR < 1, %.2f%% of "
      "different-person pairs LR > 1\n",
      100 * Share(r.genuine_log10_lr, false), 100 * Share(r.impostor_log10_lr, true));
  const LeadRates chosen = LeadsAt(r, threshold);
  std::printf("lead threshold chosen on the tuning registry: posterior >= %.3f (prior 1/%d)\n",
              threshold, options.registry_size);
  std::printf(
      "  at it: true leads %.1f%% of face remains; %.1f false leads per 100 unregistered "
      "remains (%.1f%% raise any); %.1f%% of all leads false\n",
      100 * chosen.true_lead_rate, chosen.false_leads_per_100_unregistered,
      100 * chosen.unregistered_with_a_lead, 100 * chosen.false_share_of_leads);
  std::printf("trade-off (reported registry):\n");
  PrintCurve(r);
  if (!tippett.empty()) {
    WriteTippett(tippett, r);
    std::printf("Tippett plot: %s\n", tippett.c_str());
  }
  if (compare_am_pm) {
    std::printf(
        "marks and dental evidence (reported registry; the same people and remains either "
        "way):\n");
    // Per faceless remains: bit 0 a mark recorded, bit 1 a tattoo, bit 2 charts on both sides.
    std::vector<int> marked;
    for (const bool use : {true, false}) {
      SimulationOptions o = options;
      o.use_am_pm_data = use;
      std::fprintf(stderr, "reported registry, marks %s...\n", use ? "on" : "off");
      const SimulationResult m = Simulate(o, *calibration);
      std::printf(
          "  %-13s face rank-1 %5.1f%% rank-10 %5.1f%%; faceless rank-1 %5.1f%% rank-10 %5.1f%%; "
          "Cllr %.3f\n",
          use ? "with:" : "without:", 100 * Rate(m, RemainsKind::kWithFace, 1),
          100 * Rate(m, RemainsKind::kWithFace, 10), 100 * Rate(m, RemainsKind::kFaceless, 1),
          100 * Rate(m, RemainsKind::kFaceless, 10), Cllr(m.genuine_log10_lr, m.impostor_log10_lr));
      // The faceless remains on which the examiner recorded a mark (the same remains both ways).
      const char* const kGroups[] = {"any mark recorded", "a tattoo recorded",
                                     "dental charts on both sides"};
      int n[3] = {}, top1[3] = {}, top10[3] = {};
      size_t k = 0;
      for (const auto& outcome : m.remains) {
        if (outcome.kind != RemainsKind::kFaceless) continue;
        if (use) {
          marked.push_back((outcome.marks_recorded > 0 ? 1 : 0) |
                           (outcome.tattoos_recorded > 0 ? 2 : 0) |
                           (outcome.dental_on_both_sides ? 4 : 0));
        }
        const int groups = marked[k++];
        for (int g = 0; g < 3; ++g) {
          if ((groups & (1 << g)) == 0) continue;
          ++n[g];
          top1[g] += outcome.true_rank == 1;
          top10[g] += outcome.true_rank > 0 && outcome.true_rank <= 10;
        }
      }
      for (int g = 0; g < 3; ++g) {
        std::printf("  %-13s faceless remains with %s (%d): rank-1 %5.1f%% rank-10 %5.1f%%\n", "",
                    kGroups[g], n[g], n[g] ? 100.0 * top1[g] / n[g] : 0,
                    n[g] ? 100.0 * top10[g] / n[g] : 0);
      }
    }
  }
  for (int size : sweep) {
    SimulationOptions s;
    s.use_am_pm_data = options.use_am_pm_data;
    s.registry_size = size;
    s.remains_with_face = sweep_remains;
    s.remains_not_in_registry = sweep_remains;
    s.remains_faceless = 0;
    s.seed = options.seed + 2000 + static_cast<uint64_t>(size);
    std::fprintf(stderr, "sweep: registry of %d...\n", size);
    const SimulationResult swept = Simulate(s, *calibration);
    const LeadRates l = LeadsAt(swept, threshold);
    std::printf(
        "registry %7d: at posterior >= %.3f (prior 1/%d) true leads %.1f%%, %.1f false "
        "leads per 100 unregistered remains; face rank-1 %.1f%%\n",
        size, threshold, size, 100 * l.true_lead_rate, l.false_leads_per_100_unregistered,
        100 * Rate(swept, RemainsKind::kWithFace, 1));
  }
  return 0;
}
