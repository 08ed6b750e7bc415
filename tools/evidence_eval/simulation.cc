#include "tools/evidence_eval/simulation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "matching/pair_evidence.h"
#include "matching/population.h"

namespace encuentro::evaluation {
namespace {

using records::Date;
using std::chrono::days;
using std::chrono::sys_days;
constexpr double kDaysPerYear = 365.2425;
const Date kToday{std::chrono::year(2026), std::chrono::month(1), std::chrono::day(1)};

// A mark as it is on the body.
struct TrueMark {
  records::MarkKind kind = records::MarkKind::kTattoo;
  records::BodyRegion region = records::BodyRegion::kUnspecified;
  records::BodySide side = records::BodySide::kUnspecified;
  std::vector<std::string> motifs;
};

// A person as the simulator knows them: the record plus the truth behind it.
struct SimulatedPerson {
  records::MissingPerson record;
  double stature_cm = 0;
  int photos = 0;
  std::vector<TrueMark> marks;
  // Adults: the 32 permanent teeth as they were at death; empty for children.
  std::vector<records::Tooth> teeth;
  // When the dental record was made, in years before death; the teeth then.
  std::vector<records::Tooth> teeth_at_record;
};

// Tattoo motifs seen in Mexican forensic and search-commission records, most common first; drawn
// with Zipf-like weights.
const std::vector<std::string>& Motifs() {
  static const auto* const kMotifs = new std::vector<std::string>{"Virgen de Guadalupe",
                                                                  "rosa",
                                                                  "cruz",
                                                                  "Santa Muerte",
                                                                  "corazón",
                                                                  "estrella",
                                                                  "calavera",
                                                                  "nombre: María",
                                                                  "rosario",
                                                                  "águila",
                                                                  "ángel",
                                                                  "nombre: José",
                                                                  "letras chinas",
                                                                  "mariposa",
                                                                  "dragón",
                                                                  "telaraña",
                                                                  "reloj",
                                                                  "paloma",
                                                                  "escorpión",
                                                                  "serpiente",
                                                                  "lobo",
                                                                  "payaso",
                                                                  "manos orando",
                                                                  "ancla",
                                                                  "luna",
                                                                  "sol",
                                                                  "tribal",
                                                                  "pluma",
                                                                  "flor de loto",
                                                                  "tigre",
                                                                  "nombre: Juan",
                                                                  "nombre: Lupita",
                                                                  "fecha",
                                                                  "iniciales",
                                                                  "barco",
                                                                  "número 13",
                                                                  "Jesucristo",
                                                                  "caballo",
                                                                  "gallo",
                                                                  "alas"};
  return *kMotifs;
}

template <typename T>
const T& PickWeighted(const std::vector<std::pair<T, double>>& choices, std::mt19937_64& rng) {
  double total = 0;
  for (const auto& c : choices) total += c.second;
  double u = std::uniform_real_distribution<double>(0, total)(rng);
  for (const auto& c : choices) {
    if ((u -= c.second) <= 0) return c.first;
  }
  return choices.back().first;
}

bool Limb(records::BodyRegion region) {
  using records::BodyRegion;
  return region == BodyRegion::kArm || region == BodyRegion::kForearm ||
         region == BodyRegion::kHand || region == BodyRegion::kThigh ||
         region == BodyRegion::kLeg || region == BodyRegion::kFoot;
}

std::vector<TrueMark> MakeTrueMarks(bool adult, std::mt19937_64& rng) {
  using records::BodyRegion;
  using records::MarkKind;
  std::uniform_real_distribution<double> u(0, 1);
  static const std::vector<std::pair<BodyRegion, double>> kTattooRegions = {
      {BodyRegion::kForearm, 0.25}, {BodyRegion::kArm, 0.15},   {BodyRegion::kChest, 0.15},
      {BodyRegion::kBack, 0.12},    {BodyRegion::kHand, 0.08},  {BodyRegion::kNeck, 0.07},
      {BodyRegion::kLeg, 0.07},     {BodyRegion::kThigh, 0.04}, {BodyRegion::kAbdomen, 0.04},
      {BodyRegion::kFoot, 0.02},    {BodyRegion::kHead, 0.01}};
  std::vector<std::pair<size_t, double>> motif_weights;
  for (size_t i = 0; i < Motifs().size(); ++i) {
    motif_weights.emplace_back(i, 1 / std::pow(static_cast<double>(i) + 1, 0.8));
  }
  const auto place = [&](TrueMark& m, BodyRegion region) {
    m.region = region;
    m.side = Limb(region) ? (u(rng) < 0.5 ? records::BodySide::kLeft : records::BodySide::kRight)
                          : records::BodySide::kMidline;
  };
  std::vector<TrueMark> marks;
  if (adult && u(rng) < 1.0 / 3) {
    const double r = u(rng);
    const int tattoos = r < 0.6 ? 1 : r < 0.85 ? 2 : 3;
    for (int t = 0; t < tattoos; ++t) {
      TrueMark& m = marks.emplace_back();
      m.kind = MarkKind::kTattoo;
      place(m, PickWeighted(kTattooRegions, rng));
      m.motifs.push_back(Motifs()[PickWeighted(motif_weights, rng)]);
      if (u(rng) < 0.3) m.motifs.push_back(Motifs()[PickWeighted(motif_weights, rng)]);
    }
  }
  if (u(rng) < (adult ? 0.2 : 0.1)) {
    TrueMark& m = marks.emplace_back();
    m.kind = MarkKind::kScar;
    place(m, static_cast<BodyRegion>(1 + static_cast<int>(u(rng) * 11)));
  }
  if (u(rng) < 0.01) {
    TrueMark& m = marks.emplace_back();
    m.kind = MarkKind::kAmputation;
    place(m, u(rng) < 0.5 ? BodyRegion::kHand : BodyRegion::kLeg);
  }
  return marks;
}

// A neighbouring region, as a witness who misplaces a mark would name it.
records::BodyRegion Neighbour(records::BodyRegion region, std::mt19937_64& rng) {
  using records::BodyRegion;
  const bool up = std::uniform_real_distribution<double>(0, 1)(rng) < 0.5;
  switch (region) {
    case BodyRegion::kArm:
      return up ? BodyRegion::kChest : BodyRegion::kForearm;
    case BodyRegion::kForearm:
      return up ? BodyRegion::kArm : BodyRegion::kHand;
    case BodyRegion::kHand:
      return BodyRegion::kForearm;
    case BodyRegion::kThigh:
      return BodyRegion::kLeg;
    case BodyRegion::kLeg:
      return up ? BodyRegion::kThigh : BodyRegion::kFoot;
    case BodyRegion::kFoot:
      return BodyRegion::kLeg;
    case BodyRegion::kChest:
      return up ? BodyRegion::kNeck : BodyRegion::kAbdomen;
    case BodyRegion::kAbdomen:
      return BodyRegion::kChest;
    case BodyRegion::kNeck:
      return up ? BodyRegion::kHead : BodyRegion::kChest;
    case BodyRegion::kHead:
      return BodyRegion::kNeck;
    default:
      return region;
  }
}

// A mark as someone records it: the region right with probability `region_right` (else a
// neighbour), the side with `side_right`, each motif with `motif_kept`.
records::DistinguishingMark Recorded(const TrueMark& m, double region_right, double side_right,
                                     double motif_kept, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  records::DistinguishingMark r;
  r.kind = m.kind;
  r.region = u(rng) < region_right ? m.region : Neighbour(m.region, rng);
  r.side = m.side;
  if ((m.side == records::BodySide::kLeft || m.side == records::BodySide::kRight) &&
      u(rng) >= side_right) {
    r.side =
        m.side == records::BodySide::kLeft ? records::BodySide::kRight : records::BodySide::kLeft;
  }
  for (const std::string& motif : m.motifs) {
    if (u(rng) < motif_kept) r.keywords.push_back(motif);
  }
  r.description = "simulated";
  return r;
}

// Adult teeth at the time of a dental record, then as they were at death some years later:
// teeth lost, filled, crowned and root-treated more often with age and towards the molars.
void MakeTeeth(double age, SimulatedPerson& s, std::mt19937_64& rng) {
  using records::Restoration;
  using records::RestorationKind;
  using records::ToothState;
  std::uniform_real_distribution<double> u(0, 1);
  const auto random_surfaces = [&] {
    uint8_t surfaces = 0;
    while (surfaces == 0) {
      for (int bit = 0; bit < 5; ++bit) {
        if (u(rng) < 0.35) surfaces |= static_cast<uint8_t>(1u << bit);
      }
    }
    return surfaces;
  };
  for (int quadrant = 1; quadrant <= 4; ++quadrant) {
    for (int position = 1; position <= 8; ++position) {
      const bool molar = position >= 6;
      records::Tooth t{10 * quadrant + position, ToothState::kPresent, {}};
      const double wear = std::max(0.0, age - 20) / 40;
      if (u(rng) < (molar ? 0.06 : 0.02) + (molar ? 0.12 : 0.04) * wear) {
        t.state = ToothState::kMissingAnteMortem;
      } else {
        if (u(rng) < (molar ? 0.3 : 0.06)) {
          t.restorations.push_back(
              {RestorationKind::kFilling, random_surfaces(), records::DentalMaterial::kAmalgam});
        }
        if (u(rng) < 0.03) {
          t.restorations.push_back({RestorationKind::kRootCanal, 0, {}});
          if (u(rng) < 0.5) t.restorations.push_back({RestorationKind::kCrown, 0, {}});
        }
      }
      s.teeth_at_record.push_back(t);
    }
  }
  // Between the record and death: new fillings, some extractions.
  s.teeth = s.teeth_at_record;
  for (records::Tooth& t : s.teeth) {
    if (t.state != ToothState::kPresent) continue;
    if (u(rng) < 0.02) {
      t.state = ToothState::kMissingAnteMortem;
      t.restorations.clear();
    } else if (t.restorations.empty() && u(rng) < 0.05) {
      t.restorations.push_back(
          {RestorationKind::kFilling, random_surfaces(), records::DentalMaterial::kComposite});
    }
  }
}

// A chart of `teeth` with charting mistakes: now and then a treatment left out.
records::DentalChart Charted(const std::vector<records::Tooth>& teeth, double mistakes,
                             std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  records::DentalChart chart;
  chart.teeth = teeth;
  for (records::Tooth& t : chart.teeth) {
    if (!t.restorations.empty() && u(rng) < mistakes) t.restorations.pop_back();
  }
  return chart;
}

// What the family reports: tattoos and amputations usually, scars half the time.
void ReportAnteMortem(SimulatedPerson& s, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  // Dental records are scarce: about a third of adults have one.
  if (!s.teeth.empty() && u(rng) < 0.3) {
    s.record.dental_chart = Charted(s.teeth_at_record, 0.02, rng);
  }
  for (const TrueMark& m : s.marks) {
    const double reported = m.kind == records::MarkKind::kTattoo       ? 0.8
                            : m.kind == records::MarkKind::kAmputation ? 0.95
                                                                       : 0.5;
    if (u(rng) < reported) s.record.distinguishing_marks.push_back(Recorded(m, 0.8, 0.9, 0.7, rng));
  }
}

// The remains' condition and what the examiner records of `who`'s marks in it.
void ExaminePostMortem(const SimulatedPerson& who, bool with_face, records::UnidentifiedRemains& r,
                       std::mt19937_64& rng) {
  using records::RemainsCondition;
  std::uniform_real_distribution<double> u(0, 1);
  static const std::vector<std::pair<RemainsCondition, double>> kFaceless = {
      {RemainsCondition::kComplete, 0.10},
      {RemainsCondition::kDecomposed, 0.35},
      {RemainsCondition::kSkeletonized, 0.35},
      {RemainsCondition::kBurned, 0.12},
      {RemainsCondition::kFragmentary, 0.08}};
  static const std::vector<std::pair<RemainsCondition, double>> kWithFace = {
      {RemainsCondition::kComplete, 0.6}, {RemainsCondition::kDecomposed, 0.4}};
  r.condition = PickWeighted(with_face ? kWithFace : kFaceless, rng);
  r.marks_examined = u(rng) < 0.85;
  for (const TrueMark& m : who.marks) {
    const bool skin = m.kind != records::MarkKind::kAmputation;
    double seen = 0;
    switch (r.condition) {
      case RemainsCondition::kComplete:
        seen = 0.95;
        break;
      case RemainsCondition::kDecomposed:
        seen = skin ? 0.45 : 0.9;
        break;
      case RemainsCondition::kBurned:
        seen = skin ? 0.15 : 0.6;
        break;
      case RemainsCondition::kFragmentary:
        seen = skin ? 0.05 : 0.25;
        break;
      default:
        seen = skin ? 0 : 0.75;
    }
    if (r.marks_examined && u(rng) < seen) {
      r.distinguishing_marks.push_back(Recorded(m, 0.95, 0.95, 0.7, rng));
    }
  }
  // An odontologist charts most adult remains; teeth fall out after death, more from skeletons.
  if (!who.teeth.empty() && u(rng) < 0.7) {
    records::DentalChart chart = Charted(who.teeth, 0.02, rng);
    const double lost = r.condition == RemainsCondition::kSkeletonized ||
                                r.condition == RemainsCondition::kFragmentary
                            ? 0.2
                            : 0.05;
    for (records::Tooth& t : chart.teeth) {
      if (t.state == records::ToothState::kPresent && u(rng) < lost) {
        t.state = records::ToothState::kMissingPostMortem;
        t.restorations.clear();
      }
    }
    r.dental_chart = std::move(chart);
  }
}

Date AddDays(Date d, double n) {
  return Date(sys_days(d) + days(static_cast<int>(std::lround(n))));
}

SimulatedPerson MakePerson(int64_t id, std::mt19937_64& rng, double with_photos) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> z(0, 1);
  SimulatedPerson s;
  records::MissingPerson& p = s.record;
  p.meta.id = id;
  p.sex = u(rng) < 0.75 ? records::Sex::kMale : records::Sex::kFemale;
  const double r = u(rng);
  const double age = r < 0.1 ? 2 + 13 * u(rng) : r < 0.8 ? 15 + 30 * u(rng) : 45 + 30 * u(rng);
  p.last_seen_date =
      AddDays(Date{std::chrono::year(2010), std::chrono::month(1), std::chrono::day(1)},
              u(rng) * 14 * kDaysPerYear);
  p.date_of_birth = AddDays(*p.last_seen_date, -age * kDaysPerYear);
  const bool male = p.sex == records::Sex::kMale;
  s.stature_cm =
      age < 15 ? 75 + 6 * age + 5 * z(rng) : (male ? 164 + 7 * z(rng) : 152 + 6 * z(rng));
  if (u(rng) < 0.8) {
    // Families overstate by about 2.5 cm and round to the centimetre.
    p.reported_height = records::ReportedHeight{std::round(s.stature_cm + 2.5 + 4 * z(rng)), 1};
  }
  p.last_seen_place.location = records::GeoPoint{15 + 17 * u(rng), -117 + 30 * u(rng)};
  s.photos = u(rng) < with_photos ? 1 + static_cast<int>(3 * u(rng)) : 0;
  return s;
}

// The remains of `who`, with the anthropologist's and the lab's errors.
records::UnidentifiedRemains MakeRemains(int64_t id, const SimulatedPerson& who,
                                         std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> z(0, 1);
  const records::MissingPerson& p = who.record;
  records::UnidentifiedRemains r;
  r.meta.id = id;
  const Date death = AddDays(*p.last_seen_date, u(rng) * 2 * kDaysPerYear);
  const double pmi = 10 + 700 * u(rng);
  r.found_date = AddDays(death, pmi);
  r.post_mortem_interval = records::PostMortemInterval{0.5 * pmi, 1.5 * pmi};
  const double age_at_death =
      static_cast<double>((sys_days(death) - sys_days(*p.date_of_birth)).count()) / kDaysPerYear;
  // Skeletal methods underestimate older adults.
  const double centre = age_at_death - 0.15 * std::max(0.0, age_at_death - 40) + 3 * z(rng);
  const double half = age_at_death < 18 ? 2 : 6;
  r.biological_profile.age = records::AgeEstimate{
      std::max(0.0, centre - half), std::max(1.0, centre + half), {"sim", "sim"}};
  if (age_at_death >= 15) {
    const bool wrong = u(rng) < 0.10;
    records::Sex sex = p.sex;
    if (wrong) sex = sex == records::Sex::kMale ? records::Sex::kFemale : records::Sex::kMale;
    r.biological_profile.sex = records::SexEstimate{sex, 0.9, {"sim", "sim"}};
    r.biological_profile.sex->method = records::SexMethod::kSkeletalMorphology;
  }
  if (u(rng) < 0.8) {
    const double point = who.stature_cm + 3.5 * z(rng);
    records::StatureEstimate stature{point - 7, point + 7, {"sim", "sim"}};
    stature.point_cm = point;
    stature.standard_error_cm = 3.5;
    r.biological_profile.stature = stature;
  }
  const auto& home = *p.last_seen_place.location;
  r.found_place.location = u(rng) < 0.7 ? records::GeoPoint{home.latitude + 0.6 * (u(rng) - 0.5),
                                                            home.longitude + 0.6 * (u(rng) - 0.5)}
                                        : records::GeoPoint{15 + 17 * u(rng), -117 + 30 * u(rng)};
  return r;
}

double NormalPdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return std::exp(-0.5 * z * z) / (sd * 2.5066282746310002);
}

// log P(the remains' records | `who` is their source) under the model MakePerson and MakeRemains
// draw from, with the latent death date, stature and errors integrated out. Ranking candidates by
// it is Bayes-optimal: the probability of the records given "someone else" is the same for all.
double OracleLogLikelihood(const records::UnidentifiedRemains& r, const records::MissingPerson& p) {
  const double found = static_cast<double>(sys_days(*r.found_date).time_since_epoch().count());
  const double seen = static_cast<double>(sys_days(*p.last_seen_date).time_since_epoch().count());
  const double born = static_cast<double>(sys_days(*p.date_of_birth).time_since_epoch().count());
  // Death uniform over two years after the sighting, found 10 to 710 days after death.
  const double from = std::max(seen, found - 710);
  const double to = std::min(seen + 2 * kDaysPerYear, found - 10);
  if (to <= from) return -1e300;
  const double centre =
      (r.biological_profile.age->min_years + r.biological_profile.age->max_years) / 2;
  double dates_and_age = 0;
  const int steps = 40;
  for (int i = 0; i < steps; ++i) {
    const double death = from + (to - from) * (i + 0.5) / steps;
    const double age = (death - born) / kDaysPerYear;
    dates_and_age += NormalPdf(centre, age - 0.15 * std::max(0.0, age - 40), 3);
  }
  dates_and_age *= (to - from) / steps / (2 * kDaysPerYear * 700);
  double log_l = std::log(std::max(dates_and_age, 1e-300));
  const double age_at_seen = (seen - born) / kDaysPerYear;
  if (const auto& sex = r.biological_profile.sex) {
    log_l += std::log(sex->sex == p.sex ? 0.9 : 0.1);
  }
  if (const auto& stature = r.biological_profile.stature) {
    const bool male = p.sex == records::Sex::kMale;
    if (p.reported_height) {
      log_l += std::log(NormalPdf(*stature->point_cm, p.reported_height->cm - 2.5,
                                  std::sqrt(16 + 3.5 * 3.5 + 1.0 / 12)));
    } else if (age_at_seen < 15) {
      log_l += std::log(NormalPdf(*stature->point_cm, 75 + 6 * age_at_seen, std::sqrt(25 + 12.25)));
    } else {
      log_l += std::log(
          NormalPdf(*stature->point_cm, male ? 164 : 152, std::sqrt((male ? 49 : 36) + 12.25)));
    }
  }
  const auto& at = *r.found_place.location;
  const auto& home = *p.last_seen_place.location;
  const bool near = std::abs(at.latitude - home.latitude) <= 0.3 &&
                    std::abs(at.longitude - home.longitude) <= 0.3;
  log_l += std::log((near ? 0.7 / 0.36 : 0) + 0.3 / (17 * 30));
  return log_l;
}

}  // namespace

FaceDistanceSampler::FaceDistanceSampler(const matching::FaceCalibration& calibration,
                                         bool genuine) {
  const std::vector<matching::CalibrationPoint>& table = calibration.table();
  double total = 0;
  cdf_.push_back(0);
  for (size_t k = 1; k < table.size(); ++k) {
    const double a = genuine ? table[k - 1].genuine_density : table[k - 1].impostor_density;
    const double b = genuine ? table[k].genuine_density : table[k].impostor_density;
    total += (table[k].distance - table[k - 1].distance) * (a + b) / 2;
    cdf_.push_back(total);
  }
  for (double& c : cdf_) c /= total;
  for (const auto& p : table) x_.push_back(p.distance);
}

double FaceDistanceSampler::operator()(std::mt19937_64& rng) const {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  const size_t k = std::clamp<size_t>(static_cast<size_t>(it - cdf_.begin()), 1, cdf_.size() - 1);
  const double t = (u - cdf_[k - 1]) / std::max(1e-300, cdf_[k] - cdf_[k - 1]);
  return x_[k - 1] + t * (x_[k] - x_[k - 1]);
}

double FaceDistanceSampler::Mean() const {
  double mean = 0;
  for (size_t k = 1; k < cdf_.size(); ++k) mean += (cdf_[k] - cdf_[k - 1]) * (x_[k - 1] + x_[k]) / 2;
  return mean;
}

SimulatedRegistry GenerateRegistry(const SimulationOptions& options) {
  std::mt19937_64 rng(options.seed);

  std::mt19937_64 marks_rng(options.seed ^ 0x6d61726b73ULL);  // "marks"
  const auto with_marks = [&](SimulatedPerson s) {
    const double age =
        static_cast<double>(
            (sys_days(*s.record.last_seen_date) - sys_days(*s.record.date_of_birth)).count()) /
        kDaysPerYear;
    s.marks = MakeTrueMarks(age >= 15, marks_rng);
    if (age >= 18) MakeTeeth(age, s, marks_rng);
    if (options.use_am_pm_data) ReportAnteMortem(s, marks_rng);
    return s;
  };
  std::vector<SimulatedPerson> people;
  records::RegistryCounts counts;
  for (int i = 0; i < options.registry_size; ++i) {
    people.push_back(with_marks(MakePerson(i + 1, rng, options.people_with_photos)));
    const auto& p = people.back().record;
    (p.sex == records::Sex::kMale ? counts.male : counts.female) += 1;
    const double age =
        static_cast<double>((sys_days(*p.last_seen_date) - sys_days(*p.date_of_birth)).count()) /
        kDaysPerYear;
    counts.ages[static_cast<size_t>(std::clamp(age, 0.0, 99.0))] += 1;
  }
  // Heights by sex for the registry's own stature figures.
  for (const bool male : {false, true}) {
    double n = 0, sum = 0, squares = 0;
    for (const auto& s : people) {
      if ((s.record.sex == records::Sex::kMale) != male || !s.record.reported_height) continue;
      n += 1;
      sum += s.record.reported_height->cm;
      squares += s.record.reported_height->cm * s.record.reported_height->cm;
    }
    const double mean = n > 0 ? sum / n : 0;
    const double sd = n > 1 ? std::sqrt(std::max(0.0, (squares - n * mean * mean) / (n - 1))) : 0;
    (male ? counts.male_heights : counts.female_heights) = static_cast<int64_t>(n);
    (male ? counts.male_height_mean : counts.female_height_mean) = mean;
    (male ? counts.male_height_sd : counts.female_height_sd) = sd;
  }
  counts.people = options.registry_size;
  {
    std::map<std::pair<records::MarkKind, records::BodyRegion>, int64_t> by_region;
    std::map<std::pair<records::MarkKind, std::string>, int64_t> by_keyword;
    for (const SimulatedPerson& s : people) {
      std::set<std::pair<records::MarkKind, records::BodyRegion>> regions;
      std::set<std::pair<records::MarkKind, std::string>> keywords;
      for (const auto& m : s.record.distinguishing_marks) {
        regions.insert({m.kind, m.region});
        regions.insert({m.kind, records::BodyRegion::kUnspecified});
        for (const std::string& k : m.keywords) keywords.insert({m.kind, k});
      }
      for (const auto& r : regions) ++by_region[r];
      for (const auto& k : keywords) ++by_keyword[k];
    }
    std::map<std::pair<int, std::string>, int64_t> by_tooth;
    static constexpr const char* kFeatures[] = {"filling", "crown",   "root_canal",
                                                "bridge",  "implant", "prosthesis"};
    for (const SimulatedPerson& s : people) {
      if (!s.record.dental_chart) continue;
      ++counts.dental_charts;
      for (const records::Tooth& t : s.record.dental_chart->teeth) {
        if (t.state == records::ToothState::kMissingAnteMortem) ++by_tooth[{t.fdi, "missing_am"}];
        std::set<std::string> kinds;
        for (const auto& r : t.restorations) kinds.insert(kFeatures[static_cast<int>(r.kind)]);
        for (const std::string& k : kinds) ++by_tooth[{t.fdi, k}];
      }
    }
    for (const auto& [key, n] : by_tooth)
      counts.tooth_features.push_back({key.first, key.second, n});
    for (const auto& [key, n] : by_region) counts.marks.push_back({key.first, key.second, n});
    for (const auto& [key, n] : by_keyword)
      counts.mark_keywords.push_back({key.first, key.second, n});
  }

  SimulatedRegistry registry;
  registry.population = matching::PopulationFromRegistry(counts);
  std::uniform_int_distribution<int> pick(0, std::max(0, options.registry_size - 1));
  const auto run = [&](RemainsKind kind, int count) {
    for (int k = 0; k < count; ++k) {
      SimulatedPerson outsider;
      const SimulatedPerson* who = nullptr;
      if (kind == RemainsKind::kNotInRegistry) {
        outsider = with_marks(MakePerson(-1, rng, 1.0));
        who = &outsider;
      } else {
        // Remains with a face belong to people whose families gave photos.
        do {
          who = &people[static_cast<size_t>(pick(rng))];
        } while (kind == RemainsKind::kWithFace && who->photos == 0);
      }
      SimulatedRemains remains;
      remains.kind = kind;
      remains.record = MakeRemains(static_cast<int64_t>(registry.remains.size()) + 1, *who, rng);
      {
        records::UnidentifiedRemains examined = remains.record;
        ExaminePostMortem(*who, kind != RemainsKind::kFaceless, examined, marks_rng);
        if (options.use_am_pm_data) remains.record = std::move(examined);
      }
      if (kind != RemainsKind::kNotInRegistry) remains.person_id = who->record.meta.id;
      if (kind == RemainsKind::kFaceless) {
        const double truth = OracleLogLikelihood(remains.record, who->record);
        remains.oracle_rank = 1;
        for (const SimulatedPerson& candidate : people) {
          if (&candidate != who && OracleLogLikelihood(remains.record, candidate.record) > truth) {
            ++remains.oracle_rank;
          }
        }
      }
      registry.remains.push_back(std::move(remains));
    }
  };
  run(RemainsKind::kWithFace, options.remains_with_face);
  run(RemainsKind::kNotInRegistry, options.remains_not_in_registry);
  run(RemainsKind::kFaceless, options.remains_faceless);
  for (SimulatedPerson& s : people) {
    registry.people.push_back(std::move(s.record));
    registry.photos.push_back(s.photos);
  }
  return registry;
}

SimulationResult Simulate(const SimulationOptions& options,
                          const matching::FaceCalibration& calibration,
                          const matching::EvidenceOptions& evidence) {
  const SimulatedRegistry registry = GenerateRegistry(options);
  // Face distances come from a stream of their own, drawn as each pair is scored.
  std::mt19937_64 rng(options.seed ^ 0x6661636573ULL);  // "faces"
  const FaceDistanceSampler genuine(calibration, true);
  const FaceDistanceSampler impostor(calibration, false);
  SimulationResult result;
  result.registry_size = options.registry_size;
  for (const SimulatedRemains& remains : registry.remains) {
    const bool face = remains.kind != RemainsKind::kFaceless;
    RemainsOutcome outcome;
    outcome.kind = remains.kind;
    outcome.oracle_rank = remains.oracle_rank;
    outcome.marks_recorded = static_cast<int>(remains.record.distinguishing_marks.size());
    for (const auto& m : remains.record.distinguishing_marks) {
      outcome.tattoos_recorded += m.kind == records::MarkKind::kTattoo;
    }
    outcome.dental_on_both_sides =
        remains.record.dental_chart.has_value() && remains.person_id > 0 &&
        registry.people[static_cast<size_t>(remains.person_id - 1)].dental_chart.has_value();
    const matching::RemainsEvidence remains_evidence(remains.record, registry.population, kToday,
                                                     evidence);
    std::vector<matching::RankKey> scored;
    matching::PairEvidence e;
    for (size_t c = 0; c < registry.people.size(); ++c) {
      const records::MissingPerson& candidate = registry.people[c];
      const int photos = registry.photos[c];
      const bool same = candidate.meta.id == remains.person_id;
      std::optional<matching::Factor> face_factor;
      std::optional<double> distance;
      if (face && photos > 0) {
        double best = 1e9;
        for (int m = 0; m < photos; ++m) {
          best = std::min(best, same ? genuine(rng) : impostor(rng));
        }
        face_factor = calibration.FaceFactor(best, photos, "sim", /*explain=*/false);
        distance = best;
      }
      matching::CombineEvidence(std::move(face_factor), distance, candidate, remains_evidence,
                                /*explain=*/false, &e);
      (same ? result.genuine_log10_lr : result.impostor_log10_lr).push_back(e.log10_lr);
      scored.push_back(matching::RankKeyOf(e, candidate.meta.id));
    }
    std::sort(scored.begin(), scored.end(), matching::RanksBefore);
    for (size_t rank = 0; rank < scored.size(); ++rank) {
      const matching::RankKey& key = scored[rank];
      if (key.excluded) break;
      if (remains.person_id > 0 && key.id == remains.person_id) {
        outcome.true_rank = static_cast<int>(rank) + 1;
        outcome.true_score = key.log10_score;
      } else if (outcome.wrong_scores.size() < 50) {
        outcome.wrong_scores.push_back(key.log10_score);
      }
    }
    result.remains.push_back(std::move(outcome));
  }
  return result;
}

double Cllr(const std::vector<double>& genuine, const std::vector<double>& impostor) {
  double g = 0, i = 0;
  for (double x : genuine) g += std::log2(1 + std::pow(10.0, -x));
  for (double x : impostor) i += std::log2(1 + std::pow(10.0, x));
  return 0.5 * (g / std::max<size_t>(1, genuine.size()) + i / std::max<size_t>(1, impostor.size()));
}

double CllrMin(const std::vector<double>& genuine, const std::vector<double>& impostor) {
  // Pool-adjacent violators on the scores sorted ascending: the share of genuine pairs must not
  // fall as the score rises.
  std::vector<std::pair<double, int>> all;
  for (double x : genuine) all.emplace_back(x, 1);
  for (double x : impostor) all.emplace_back(x, 0);
  std::sort(all.begin(), all.end());
  struct Block {
    double positives, count;
    size_t size;
  };
  std::vector<Block> blocks;
  for (size_t k = 0; k < all.size();) {
    // Equal scores form one block to begin with.
    Block b{0, 0, 0};
    const double score = all[k].first;
    while (k < all.size() && all[k].first == score) {
      b.positives += all[k].second;
      b.count += 1;
      ++b.size;
      ++k;
    }
    blocks.push_back(b);
    while (blocks.size() > 1) {
      Block& last = blocks.back();
      Block& before = blocks[blocks.size() - 2];
      if (before.positives / before.count <= last.positives / last.count) break;
      before.positives += last.positives;
      before.count += last.count;
      before.size += last.size;
      blocks.pop_back();
    }
  }
  const double prior_odds =
      static_cast<double>(genuine.size()) / std::max<size_t>(1, impostor.size());
  std::vector<double> calibrated_g, calibrated_i;
  size_t at = 0;
  for (const Block& b : blocks) {
    const double p = std::clamp(b.positives / b.count, 1e-12, 1 - 1e-12);
    const double log10_lr = std::log10(p / (1 - p) / prior_odds);
    for (size_t k = 0; k < b.size; ++k, ++at) {
      (all[at].second ? calibrated_g : calibrated_i).push_back(log10_lr);
    }
  }
  return Cllr(calibrated_g, calibrated_i);
}

LeadRates LeadsAt(const SimulationResult& result, double threshold) {
  const double prior = 1.0 / std::max(1, result.registry_size);
  LeadRates rates;
  rates.threshold = threshold;
  int with_face = 0, true_leads = 0, unregistered = 0, unregistered_leads = 0,
      unregistered_with_lead = 0, all_leads = 0, wrong_leads = 0;
  for (const RemainsOutcome& r : result.remains) {
    int wrong = 0;
    for (double s : r.wrong_scores) wrong += matching::PosteriorProbability(s, prior) >= threshold;
    const bool true_lead =
        r.true_rank > 0 && matching::PosteriorProbability(r.true_score, prior) >= threshold;
    all_leads += wrong + (true_lead ? 1 : 0);
    wrong_leads += wrong;
    if (r.kind == RemainsKind::kWithFace) {
      ++with_face;
      true_leads += true_lead;
    } else if (r.kind == RemainsKind::kNotInRegistry) {
      ++unregistered;
      unregistered_leads += wrong;
      unregistered_with_lead += wrong > 0;
    }
  }
  rates.true_lead_rate = with_face ? static_cast<double>(true_leads) / with_face : 0;
  rates.false_leads_per_100_unregistered =
      unregistered ? 100.0 * unregistered_leads / unregistered : 0;
  rates.unregistered_with_a_lead =
      unregistered ? static_cast<double>(unregistered_with_lead) / unregistered : 0;
  rates.false_share_of_leads = all_leads ? static_cast<double>(wrong_leads) / all_leads : 0;
  return rates;
}

}  // namespace encuentro::evaluation
