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

namespace encuentro::records {

using Date = std::chrono::year_month_day;
using Timestamp = std::chrono::system_clock::time_point;

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
};

enum class MissingPersonStatus { kMissing, kLocatedAlive, kLocatedDeceased, kWithdrawn };

enum class MarkKind { kUnspecified, kTattoo, kScar, kBirthmark, kPiercing, kAmputation, kOther };

struct DistinguishingMark {
  MarkKind kind = MarkKind::kUnspecified;
  std::string body_location;
  std::string description;
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
  std::optional<AgeAtDisappearance> age_at_disappearance;
  std::optional<Date> last_seen_date;
  Place last_seen_place;
  std::optional<ReportedHeight> reported_height;
  std::vector<DistinguishingMark> distinguishing_marks;
  MissingPersonStatus status = MissingPersonStatus::kMissing;
};

struct Assessment {
  std::string method;
  std::string author;
};

struct SexEstimate {
  Sex sex = Sex::kUnknown;
  double probability = 0;
  Assessment assessment;
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
  Place found_place;
  std::optional<PostMortemInterval> post_mortem_interval;
  BiologicalProfile biological_profile;
  RemainsCondition condition = RemainsCondition::kUnspecified;
  std::string notes;
};

// A record's kind; photos belong to one of each.
enum class RecordKind { kMissingPerson, kRemains };

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
