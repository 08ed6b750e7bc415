// A simulated registry with known truth, scored by the real evidence code: missing persons with
// attributes and photos, and remains (in the registry with a face, not in it, and faceless)
// whose estimates carry realistic errors and whose face distances are drawn from the genuine and
// impostor distributions of a face calibration (i.e. of the development data it was fitted on).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "matching/evidence.h"
#include "matching/face_calibration.h"
#include "matching/population.h"

namespace encuentro::evaluation {

struct SimulationOptions {
  int registry_size = 1080;
  // Remains of registered people with a post-mortem photo, of unregistered people with a photo,
  // and of registered people with no usable face.
  int remains_with_face = 300;
  int remains_not_in_registry = 200;
  int remains_faceless = 150;
  // Share of registered people with at least one photo (each has 1 to 3).
  double people_with_photos = 0.8;
  uint64_t seed = 1;
  // Distinguishing marks (about a third of adults with a tattoo, scars, amputations) and adult
  // dentitions (teeth lost, filled, crowned) are drawn for everyone, with what families report,
  // what dental records hold, and what examiners see on remains in each condition, from a
  // random stream of their own: the registry is otherwise the same whether or not the records
  // carry them, which `use_am_pm_data` decides.
  bool use_am_pm_data = false;
};

enum class RemainsKind { kWithFace, kNotInRegistry, kFaceless };

// Draws face distances from a calibration's genuine or impostor density (inverse CDF on its
// grid, linear within a step).
class FaceDistanceSampler {
 public:
  FaceDistanceSampler(const matching::FaceCalibration& calibration, bool genuine);
  double operator()(std::mt19937_64& rng) const;
  double Mean() const;

 private:
  std::vector<double> cdf_;
  std::vector<double> x_;
};

// A set of remains as the lab recorded it, and the truth behind it.
struct SimulatedRemains {
  records::UnidentifiedRemains record;  // meta.id 1..M in generation order
  RemainsKind kind = RemainsKind::kWithFace;
  int64_t person_id = 0;  // the true missing person's meta.id; 0 when not registered
  // Faceless remains only: the true person's rank under the simulator's own generative model
  // of the attributes, marks left out (see RemainsOutcome); 0 otherwise.
  int oracle_rank = 0;
};

// A registry and its remains with known truth, before anything is scored.
struct SimulatedRegistry {
  std::vector<records::MissingPerson> people;  // meta.id 1..N
  std::vector<int> photos;                     // each person's number of photos (0 to 3)
  // The registry's own figures (sex ratio, ages, statures, marks, teeth).
  matching::PopulationStatistics population;
  // With a face, then not in the registry, then faceless.
  std::vector<SimulatedRemains> remains;
};

// The registry and remains Simulate scores; the same options give the same registry.
SimulatedRegistry GenerateRegistry(const SimulationOptions& options);

// What the ranking made of one set of remains.
struct RemainsOutcome {
  RemainsKind kind = RemainsKind::kWithFace;
  // 1-based rank of the true person among everyone scored; 0 when excluded or not registered.
  int true_rank = 0;
  // log10 LR + place weight of the true pair (when registered and not excluded).
  double true_score = 0;
  // log10 LR + place weight of every wrong pair that was not excluded, best first, at most 50.
  std::vector<double> wrong_scores;
  // Faceless remains only: the true person's rank under the simulator's own generative model
  // of the attributes, marks left out (the Bayes-optimal ranking on attributes, the ceiling for
  // any engine without marks); 0 otherwise.
  int oracle_rank = 0;
  // Marks, and tattoos among them, the examiner recorded on the remains (use_am_pm_data only).
  int marks_recorded = 0;
  int tattoos_recorded = 0;
  // Both the true person and the remains have a dental chart (use_am_pm_data only).
  bool dental_on_both_sides = false;
};

struct SimulationResult {
  std::vector<RemainsOutcome> remains;
  // Combined log10 LRs (place left out) of true pairs and of wrong pairs (excluded pairs
  // included, at their bounded value).
  std::vector<double> genuine_log10_lr;
  std::vector<double> impostor_log10_lr;
  int registry_size = 0;
};

SimulationResult Simulate(const SimulationOptions& options,
                          const matching::FaceCalibration& calibration,
                          const matching::EvidenceOptions& evidence = {});

// Log-likelihood-ratio cost (Brummer): 0 perfect, 1 uninformative, above 1 misleading.
double Cllr(const std::vector<double>& genuine_log10_lr,
            const std::vector<double>& impostor_log10_lr);
// Cllr after the best monotone recalibration (pool-adjacent violators): the discrimination
// loss alone; Cllr - Cllr_min is the calibration loss.
double CllrMin(const std::vector<double>& genuine_log10_lr,
               const std::vector<double>& impostor_log10_lr);

// Leads at posterior threshold `t` under the prior 1/registry_size.
struct LeadRates {
  double threshold = 0;
  double true_lead_rate = 0;                    // remains with a face whose true pair is a lead
  double false_leads_per_100_unregistered = 0;  // leads raised by remains not in the registry
  double unregistered_with_a_lead = 0;          // share of those remains raising at least one
  double false_share_of_leads = 0;              // of all leads raised, the share that are wrong
};
LeadRates LeadsAt(const SimulationResult& result, double threshold);

}  // namespace encuentro::evaluation
