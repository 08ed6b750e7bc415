// The case records Encuentro keeps, as plain values: ante-mortem (MissingPerson), post-mortem
// (UnidentifiedRemains) and their photos. Shared by the records logic and by storage; free of
// gRPC and SQL.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/face_descriptor.h"

namespace encuentro::records {

using Date = std::chrono::year_month_day;
using Timestamp = std::chrono::system_clock::time_point;

// How much of a date is known: a family may know only the year a person was born, or the month
// they were last seen. A partial date is kept as its first day with its precision.
enum class DatePrecision { kDay, kMonth, kYear };

// The last day a date known to `precision` may be, given its first day.
inline Date LastDay(Date first, DatePrecision precision) {
  using std::chrono::December;
  using std::chrono::last;
  switch (precision) {
    case DatePrecision::kDay:
      break;
    case DatePrecision::kMonth:
      return Date(std::chrono::year_month_day_last(first.year(), first.month() / last));
    case DatePrecision::kYear:
      return Date(first.year(), December, std::chrono::day(31));
  }
  return first;
}

// The middle of the days a partial date may be: the best single guess, e.g. for an age.
inline std::chrono::sys_days MiddleDay(Date first, DatePrecision precision) {
  const std::chrono::sys_days from(first);
  return from + (std::chrono::sys_days(LastDay(first, precision)) - from) / 2;
}

enum class Sex { kUnknown, kFemale, kMale };

struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
};

struct Place {
  std::string description;
  std::optional<GeoPoint> location;
};

// Bookkeeping every record carries.
struct RecordMetadata {
  int64_t id = 0;
  std::string organization;
  Timestamp create_time;
  Timestamp update_time;
  // Incremented on each change; the etag is derived from it.
  int64_t revision = 0;
  std::optional<Timestamp> delete_time;
  std::string delete_reason;
  // Output only: the organization's other live records with the same case folio. Legal (a folio
  // may be mistyped or reused), but a reviewer should check they are not one case entered twice.
  std::vector<int64_t> same_folio_ids;
};

enum class MissingPersonStatus { kMissing, kLocatedAlive, kLocatedDeceased, kWithdrawn };

// A record's kind; photos and marks belong to one of each.
enum class RecordKind { kMissingPerson, kRemains };

// Distinguishing marks, as the Interpol DVI AM and PM forms record them.
enum class MarkKind {
  kUnspecified,
  kTattoo,
  kScar,
  kBirthmark,
  kPiercing,
  kAmputation,
  kOther,
  kDeformity,
  kMedicalImplant
};

// Where on the body, from a fixed vocabulary so that ante- and post-mortem records can be compared
// (matching/README.md draws the map); `kUnspecified` when the record says only in free text.
enum class BodyRegion {
  kUnspecified,
  kHead,
  kNeck,
  kChest,
  kAbdomen,
  kBack,
  kArm,  // upper arm
  kForearm,
  kHand,
  kThigh,
  kLeg,  // lower leg
  kFoot
};

enum class BodySide { kUnspecified, kLeft, kRight, kMidline };

// A tattoo, scar, implant... on a missing person (as family or documents describe it) or on
// remains (as the examiner saw it). A resource of its own: "missingPersons/1/marks/2".
struct DistinguishingMark {
  // meta.organization is the owning record's.
  RecordMetadata meta;
  RecordKind owner_kind = RecordKind::kMissingPerson;
  int64_t owner_id = 0;
  MarkKind kind = MarkKind::kUnspecified;
  BodyRegion region = BodyRegion::kUnspecified;
  BodySide side = BodySide::kUnspecified;
  // Where, in the recorder's words ("inner side, near the wrist").
  std::string location_detail;
  std::string description;
  // What the mark shows or says, one idea each: "rosa", "nombre: MARÍA", "Virgen de Guadalupe".
  std::vector<std::string> keywords;
  // Medical implants only.
  std::string implant_manufacturer;
  std::string implant_serial_number;
};

// Clothing and personal effects: what a person wore or carried when last seen, or what was found
// with a body. Documents are sensitive: families' collectives never see them.
enum class EffectCategory {
  kUnspecified,
  kClothing,
  kFootwear,
  kJewelry,
  kAccessory,
  kDocument,
  kPhone,
  kOther
};

// A resource of its own: "missingPersons/1/effects/2", "remains/7/effects/1".
struct PersonalEffect {
  // meta.organization is the owning record's.
  RecordMetadata meta;
  RecordKind owner_kind = RecordKind::kMissingPerson;
  int64_t owner_id = 0;
  EffectCategory category = EffectCategory::kUnspecified;
  std::string description;
  std::string colour;
  std::string brand;
  std::string size;
  // As for marks: one idea each ("Chivas", "rosario").
  std::vector<std::string> keywords;
};

// Dental charts follow the Interpol DVI dental coding: FDI tooth numbers (11-18, 21-28, 31-38,
// 41-48 permanent; 51-55, 61-65, 71-75, 81-85 deciduous), a state per tooth and the treatments
// seen on it.
enum class ToothState {
  kNotExamined,
  kPresent,
  kMissingAnteMortem,  // lost in life: healed socket, or so in the dental record
  kMissingPostMortem,  // lost after death: open socket (remains only)
  kUnerupted
};

enum class RestorationKind { kFilling, kCrown, kRootCanal, kBridge, kImplant, kProsthesis };

// Tooth surfaces, as bits: mesial, occlusal (incisal), distal, buccal (labial), lingual (palatal).
enum ToothSurface : uint8_t { kMesial = 1, kOcclusal = 2, kDistal = 4, kBuccal = 8, kLingual = 16 };

enum class DentalMaterial {
  kUnspecified,
  kAmalgam,
  kComposite,
  kCeramic,
  kGold,
  kOtherMetal,
  kGlassIonomer,
  kTemporary,
  kOther
};

struct Restoration {
  RestorationKind kind = RestorationKind::kFilling;
  uint8_t surfaces = 0;  // ToothSurface bits; fillings only
  DentalMaterial material = DentalMaterial::kUnspecified;
};

struct Tooth {
  int fdi = 0;
  ToothState state = ToothState::kNotExamined;
  std::vector<Restoration> restorations;
};

enum class DentalSource {
  kUnspecified,
  kDentalRecord,
  kRadiograph,
  kClinicalExamination,
  kFamilyReport,
  kOther
};

// A record's dental chart (one per record, "missingPersons/1/dentalChart"); teeth not listed
// were not examined.
struct DentalChart {
  // meta.id is the chart's own; meta.organization the owning record's.
  RecordMetadata meta;
  DentalSource source = DentalSource::kUnspecified;
  std::optional<Date> source_date;
  std::string notes;
  // By FDI number.
  std::vector<Tooth> teeth;
};

// DNA sample tracking (no kinship computation): a family reference sample on a missing person,
// or a post-mortem sample on remains.
enum class DnaSampleStatus { kCollected, kSent, kProfiled, kFailed };

enum class KinRelationship {
  kUnspecified,
  kMother,
  kFather,
  kChild,
  kSibling,
  kHalfSibling,
  kGrandparent,
  kAuntUncle,
  kCousin,
  kSpouse,
  kOther
};

// A resource of its own: "missingPersons/1/dnaSamples/2", "remains/7/dnaSamples/1".
struct DnaSample {
  // meta.organization is the owning record's.
  RecordMetadata meta;
  RecordKind owner_kind = RecordKind::kMissingPerson;
  int64_t owner_id = 0;
  // Family reference samples: who gave it, and how they are related to the missing person.
  std::string donor_name;
  KinRelationship relationship = KinRelationship::kUnspecified;
  // Post-mortem samples: the bone or tooth sampled ("petrous", "femur", "tooth 36").
  std::string skeletal_element;
  std::string lab;
  std::string kit_id;
  std::optional<Date> collected_date;
  DnaSampleStatus status = DnaSampleStatus::kCollected;
  std::string notes;
};

// How an identification was confirmed: by primary identifiers only (Interpol DVI).
enum class ConfirmingEvidenceKind { kDnaReport, kDentalComparison, kFingerprintComparison };

struct ConfirmingEvidence {
  ConfirmingEvidenceKind kind = ConfirmingEvidenceKind::kDnaReport;
  // The report's or comparison's reference, e.g. the genetics lab's dictamen number.
  std::string reference;
  std::optional<Date> date;
};

// A confirmed identification: these remains are this missing person, as the identification
// board decided on the confirming evidence. It closes both records.
struct Identification {
  int64_t id = 0;
  int64_t remains_id = 0;
  int64_t missing_person_id = 0;
  std::vector<ConfirmingEvidence> evidence;
  std::string board_reference;
  std::optional<Date> board_date;
  std::string reason;
  std::string principal;
  std::string organization;
  Timestamp create_time;
};

struct AgeAtDisappearance {
  double years = 0;
  double uncertainty_years = 0;
};

struct ReportedHeight {
  double cm = 0;
  double precision_cm = 0;
};

struct MissingPerson {
  RecordMetadata meta;
  std::string case_folio;
  std::string issuing_authority;
  std::string given_names;
  std::string family_names;
  std::vector<std::string> aliases;
  Sex sex = Sex::kUnknown;
  std::optional<Date> date_of_birth;
  DatePrecision date_of_birth_precision = DatePrecision::kDay;
  std::optional<AgeAtDisappearance> age_at_disappearance;
  std::optional<Date> last_seen_date;
  DatePrecision last_seen_precision = DatePrecision::kDay;
  Place last_seen_place;
  std::optional<ReportedHeight> reported_height;
  // Read with the record (live marks, by id); changed only through the marks' own methods.
  std::vector<DistinguishingMark> distinguishing_marks;
  // Read with the record (live effects, by id); changed only through their own methods.
  std::vector<PersonalEffect> effects;
  // Read with the record; changed only through the chart's own methods.
  std::optional<DentalChart> dental_chart;
  // Read with the record: set once the person's remains were identified.
  std::optional<Identification> identification;
  MissingPersonStatus status = MissingPersonStatus::kMissing;
};

struct Assessment {
  std::string method;
  std::string author;
};

// How a sex estimate was reached. It fixes how far matching may trust the estimate: skeletal
// methods misclassify often enough that they never exclude a candidate; soft tissue and DNA may.
enum class SexMethod { kUnspecified, kSkeletalMorphology, kSkeletalMetric, kSoftTissue, kDna };

struct SexEstimate {
  Sex sex = Sex::kUnknown;
  // The method's own confidence in `sex` (e.g. an LDA posterior); shown, not used as a likelihood.
  double probability = 0;
  Assessment assessment;
  SexMethod method = SexMethod::kUnspecified;
  // How often the method assigns the wrong sex (e.g. 1 - cross-validated accuracy), in [0, 0.5].
  // Unset: matching uses a documented default for the method.
  std::optional<double> error_rate;
};

struct AgeEstimate {
  double min_years = 0;
  double max_years = 0;
  Assessment assessment;
};

struct StatureEstimate {
  double min_cm = 0;
  double max_cm = 0;
  Assessment assessment;
  // The formula's point estimate and standard error; records saved before these existed have
  // only the range, and matching then reads the range as +/- 2 SE.
  std::optional<double> point_cm;
  std::optional<double> standard_error_cm;
  // The formula's catalog id (AnthropologyService.ListCatalog), when one was used.
  std::string formula_id;
};

struct BiologicalProfile {
  std::optional<SexEstimate> sex;
  std::optional<AgeEstimate> age;
  std::optional<StatureEstimate> stature;
};

enum class RemainsCondition {
  kUnspecified,
  kComplete,
  kDecomposed,
  kSkeletonized,
  kFragmentary,
  kBurned,
  kCommingled
};

struct PostMortemInterval {
  double min_days = 0;
  double max_days = 0;
};

struct UnidentifiedRemains {
  RecordMetadata meta;
  std::string case_folio;
  std::string lab;
  std::string responsible_expert;
  std::optional<Date> found_date;
  DatePrecision found_precision = DatePrecision::kDay;
  Place found_place;
  std::optional<PostMortemInterval> post_mortem_interval;
  BiologicalProfile biological_profile;
  RemainsCondition condition = RemainsCondition::kUnspecified;
  std::string notes;
  // The body was examined for marks: a mark the family reported but not recorded here is absent,
  // as far as the condition lets one see. Unset, missing marks say nothing.
  bool marks_examined = false;
  // Read with the record (live marks, by id); changed only through the marks' own methods.
  std::vector<DistinguishingMark> distinguishing_marks;
  // Read with the record (live effects, by id); changed only through their own methods.
  std::vector<PersonalEffect> effects;
  // Read with the record; changed only through the chart's own methods.
  std::optional<DentalChart> dental_chart;
  // Read with the record: set once the remains were identified.
  std::optional<Identification> identification;
};

// Ages matching tabulates: whole years 0..kTabulatedAgeYears-1.
inline constexpr int kTabulatedAgeYears = 100;

// The make-up of the registry's live missing persons (status missing or located deceased), from
// which matching takes its population figures.
struct RegistryCounts {
  int64_t people = 0;
  int64_t female = 0;
  int64_t male = 0;
  // Reported heights by sex: count, mean and standard deviation (cm).
  int64_t female_heights = 0;
  double female_height_mean = 0;
  double female_height_sd = 0;
  int64_t male_heights = 0;
  double male_height_mean = 0;
  double male_height_sd = 0;
  // People by whole year of age when last seen (0..kTabulatedAgeYears-1).
  std::array<int64_t, kTabulatedAgeYears> ages{};
  // Live people with at least one recorded mark of a kind in a region (kUnspecified: anywhere),
  // and with a mark of a kind described by a keyword, as recorded (matching folds them).
  struct MarkCount {
    MarkKind kind = MarkKind::kUnspecified;
    BodyRegion region = BodyRegion::kUnspecified;
    int64_t people = 0;
  };
  struct KeywordCount {
    MarkKind kind = MarkKind::kUnspecified;
    std::string keyword;
    int64_t people = 0;
  };
  std::vector<MarkCount> marks;
  std::vector<KeywordCount> mark_keywords;
  // Live people with a dental chart, and with each feature at each tooth ("missing_am", or a
  // restoration kind: "filling", "crown", ... as stored).
  struct ToothFeatureCount {
    int fdi = 0;
    std::string feature;
    int64_t people = 0;
  };
  int64_t dental_charts = 0;
  std::vector<ToothFeatureCount> tooth_features;
};

enum class QualityVerdict { kPass, kWarn, kFail };

// One quality measurement of a face, e.g. {"sharpness", 52.1, kPass}.
struct QualityCheck {
  std::string metric;
  double value = 0;
  QualityVerdict verdict = QualityVerdict::kPass;
};

// A face the pipeline found in a photo, with its quality; descriptors are kept only for the
// chosen face (see Photo::descriptor).
struct FaceFinding {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  std::vector<QualityCheck> quality;
  QualityVerdict overall = QualityVerdict::kPass;
};

enum class PhotoSource {
  kUnspecified,
  kFamily,
  kIdDocument,
  kSocialMedia,
  kPostMortem,
  kOfficialRecord,
  kAgeProgression,
  kOther
};

enum class ProgressionMethod { kUnspecified, kForensicArtist, kComputed };

// Provenance of a synthetic, age-progressed image.
struct AgeProgressionInfo {
  int64_t source_photo_id = 0;
  double target_age_years = 0;
  ProgressionMethod method = ProgressionMethod::kUnspecified;
  std::string author;
  std::optional<Date> made_date;
};

// What a photo shows when it is not a face: one of its record's marks or effects.
struct PhotoSubject {
  enum class Kind { kMark, kEffect };
  Kind kind = Kind::kMark;
  int64_t id = 0;
};

struct Photo {
  int64_t id = 0;
  RecordKind owner_kind = RecordKind::kMissingPerson;
  int64_t owner_id = 0;
  std::string organization;
  std::string sha256;
  int64_t size_bytes = 0;
  std::string content_type;
  int width = 0;
  int height = 0;
  std::optional<Date> capture_date;
  DatePrecision capture_precision = DatePrecision::kDay;
  std::optional<double> age_at_capture_years;
  PhotoSource source = PhotoSource::kUnspecified;
  std::vector<FaceFinding> faces;
  // Index into `faces`; -1 when no face is usable.
  int chosen_face = -1;
  // The chosen face's template, with the model that made it and the person's age in the photo.
  std::optional<FaceDescriptor> descriptor;
  std::string model_id;
  // The same face seen by the second model, when the template has it (enrolled with it, or
  // back-filled); absent for templates enrolled before it until backfill-embeddings runs.
  std::optional<SecondFaceEmbedding> second_embedding;
  std::string second_model_id;
  std::optional<double> template_age_years;
  std::optional<AgeProgressionInfo> progression;
  // Set for a photo of a mark or an effect, which is never analysed for faces.
  std::optional<PhotoSubject> depicts;
  Timestamp create_time;
  std::optional<Timestamp> delete_time;
  std::string delete_reason;
};

// Ways to narrow a listing; unset members do not filter.
struct RecordQuery {
  std::vector<MissingPersonStatus> statuses;  // missing persons only
  std::optional<Sex> sex;
  std::string organization;
  std::optional<Date> date_from;  // last seen / found, inclusive
  std::optional<Date> date_to;
  bool show_deleted = false;
  int page_size = 50;
  // Keyset pagination: only ids greater than this.
  int64_t after_id = 0;
};

template <typename Record>
struct Page {
  std::vector<Record> records;
  // The id to continue after, or 0 when this is the last page.
  int64_t next_after_id = 0;
};

}  // namespace encuentro::records
