#include "cli/import_command.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/dental_notation.h"
#include "cli/effect_commands.h"
#include "cli/mark_commands.h"
#include "cli/output.h"
#include "cli/photo_upload.h"
#include "cli/progress.h"
#include "common/csv.h"
#include "common/sha256.h"
#include "common/text.h"
#include "encuentro/v1/dental.grpc.pb.h"
#include "encuentro/v1/dna.grpc.pb.h"
#include "encuentro/v1/effects.grpc.pb.h"
#include "encuentro/v1/marks.grpc.pb.h"
#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/photos.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"
#include "encuentro/v1/server.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"

namespace encuentro::cli {
namespace {

namespace fs = std::filesystem;

enum class ImportKind { kMissing, kRemains };

struct ImportFlags {
  std::string csv;
  std::string photos_dir = ".";
  std::uintmax_t max_photo_bytes = kDefaultMaxPhotoBytes;
  std::string state_file;
  int jobs = 4;
};

// Why a row (or one of its photos) did not make it in.
struct Reject {
  int line = 0;
  std::string folio;
  std::string reason;
};

// A row's outcome.
struct RowResult {
  bool done = false;  // record, every mark and every photo stored
  std::string request_id;
  std::string name;
  int photos = 0;
  std::vector<Reject> rejects;
  std::vector<Reject> warnings;  // e.g. a photo stored without a usable face
};

// A column could not be read as its type; the row is rejected before anything is sent.
struct ParseError {
  std::string message;
};

google::type::Date ParseDateOrThrow(const std::string& column, const std::string& text) {
  google::type::Date date;
  if (!ParseIsoDate(text, &date)) {
    throw ParseError{column + ": '" + text + "' is not a YYYY-MM-DD (or YYYY-MM, YYYY) date"};
  }
  return date;
}

double ParseNumberOrThrow(const std::string& column, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw ParseError{column + ": '" + text + "' is not a number"};
  }
  return value;
}

v1::Sex ParseSexOrThrow(const std::string& column, const std::string& text) {
  if (text.empty() || text == "unknown") return v1::SEX_UNSPECIFIED;
  if (text == "female" || text == "F" || text == "f") return v1::FEMALE;
  if (text == "male" || text == "M" || text == "m") return v1::MALE;
  throw ParseError{column + ": '" + text + "' is not female, male or unknown"};
}

// Reads the FACE of a `file.jpg#FACE` photos entry: a face index, or a box "x,y,w,h" in pixels.
void SetFaceSelection(const std::string& entry, const std::string& face,
                      v1::AddPhotoRequest::Metadata* metadata) {
  const std::vector<std::string> parts = absl::StrSplit(face, ',');
  std::vector<int> numbers;
  for (const std::string& part : parts) {
    int value = 0;
    if (!absl::SimpleAtoi(part, &value) || value < 0) {
      throw ParseError{"photos (" + entry + "#" + face +
                       "): the face is an index or a box x,y,width,height in pixels"};
    }
    numbers.push_back(value);
  }
  if (numbers.size() == 1) {
    metadata->set_face_index(numbers[0]);
  } else if (numbers.size() == 4 && numbers[2] > 0 && numbers[3] > 0) {
    v1::FaceBox* box = metadata->mutable_face_box();
    box->set_x(numbers[0]);
    box->set_y(numbers[1]);
    box->set_width(numbers[2]);
    box->set_height(numbers[3]);
  } else {
    throw ParseError{"photos (" + entry + "#" + face +
                     "): the face is an index or a box x,y,width,height in pixels"};
  }
}

template <typename Enum, typename ParseFn>
Enum ParseEnumOrThrow(const std::string& column, const std::string& text, ParseFn parse) {
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Enum value{};
  if (!text.empty() && !parse(upper, &value)) {
    throw ParseError{column + ": unknown value '" + text + "'"};
  }
  return value;
}

void SetPlace(const CsvRow& row, const std::string& prefix, v1::Place* place) {
  place->set_description(row.Get(prefix + "place"));
  const std::string lat = row.Get(prefix + "lat");
  const std::string lon = row.Get(prefix + "lon");
  if (!lat.empty() || !lon.empty()) {
    place->mutable_location()->set_latitude(ParseNumberOrThrow(prefix + "lat", lat));
    place->mutable_location()->set_longitude(ParseNumberOrThrow(prefix + "lon", lon));
  }
}

v1::MissingPerson MissingPersonFromRow(const CsvRow& row) {
  v1::MissingPerson p;
  p.set_case_folio(row.Get("case_folio"));
  p.set_issuing_authority(row.Get("issuing_authority"));
  p.set_given_names(row.Get("given_names"));
  p.set_family_names(row.Get("family_names"));
  const std::string aliases = row.Get("aliases");
  for (size_t start = 0; !aliases.empty() && start <= aliases.size();) {
    const size_t end = std::min(aliases.find(';', start), aliases.size());
    if (end > start) p.add_aliases(aliases.substr(start, end - start));
    start = end + 1;
  }
  p.set_sex(ParseSexOrThrow("sex", row.Get("sex")));
  if (const std::string v = row.Get("date_of_birth"); !v.empty()) {
    *p.mutable_date_of_birth() = ParseDateOrThrow("date_of_birth", v);
  }
  if (const std::string v = row.Get("age_at_disappearance"); !v.empty()) {
    p.mutable_age_at_disappearance()->set_years(ParseNumberOrThrow("age_at_disappearance", v));
    if (const std::string u = row.Get("age_uncertainty"); !u.empty()) {
      p.mutable_age_at_disappearance()->set_uncertainty_years(
          ParseNumberOrThrow("age_uncertainty", u));
    }
  }
  if (const std::string v = row.Get("last_seen_date"); !v.empty()) {
    *p.mutable_last_seen_date() = ParseDateOrThrow("last_seen_date", v);
  }
  SetPlace(row, "last_seen_", p.mutable_last_seen_place());
  if (const std::string v = row.Get("height_cm"); !v.empty()) {
    p.mutable_reported_height()->set_cm(ParseNumberOrThrow("height_cm", v));
    if (const std::string u = row.Get("height_precision_cm"); !u.empty()) {
      p.mutable_reported_height()->set_precision_cm(ParseNumberOrThrow("height_precision_cm", u));
    }
  }
  p.set_status(ParseEnumOrThrow<v1::MissingPerson::Status>("status", row.Get("status"),
                                                           v1::MissingPerson::Status_Parse));
  return p;
}

// Splits `text` at every `separator`, keeping empty pieces.
std::vector<std::string> SplitAll(const std::string& text, char separator) {
  std::vector<std::string> pieces;
  for (size_t start = 0;;) {
    const size_t end = text.find(separator, start);
    pieces.push_back(
        text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return pieces;
    start = end + 1;
  }
}

// The `marks` column: marks separated by ';', each KIND|REGION|SIDE|DESCRIPTION|KEYWORDS with
// the keywords separated by ',' and everything after KIND optional, e.g.
// "tattoo|forearm|left|Rosa con el nombre María|rosa,María".
std::vector<v1::DistinguishingMark> MarksFromRow(const CsvRow& row) {
  std::vector<v1::DistinguishingMark> marks;
  const std::string text = row.Get("marks");
  if (text.empty()) return marks;
  for (const std::string& entry : SplitAll(text, ';')) {
    if (entry.empty()) continue;
    const std::vector<std::string> fields = SplitAll(entry, '|');
    if (fields.size() > 5) {
      throw ParseError{"marks (" + entry + "): expected KIND|REGION|SIDE|DESCRIPTION|KEYWORDS"};
    }
    v1::DistinguishingMark& mark = marks.emplace_back();
    v1::DistinguishingMark::Kind kind;
    if (!ParseMarkKind(fields[0], &kind)) {
      throw ParseError{"marks (" + entry + "): unknown kind '" + fields[0] + "'"};
    }
    mark.set_kind(kind);
    if (fields.size() > 1 && !fields[1].empty()) {
      v1::DistinguishingMark::BodyRegion region;
      if (!ParseBodyRegion(fields[1], &region)) {
        throw ParseError{"marks (" + entry + "): unknown region '" + fields[1] + "'"};
      }
      mark.set_body_region(region);
    }
    if (fields.size() > 2 && !fields[2].empty()) {
      v1::DistinguishingMark::Side side;
      if (!ParseBodySide(fields[2], &side)) {
        throw ParseError{"marks (" + entry + "): unknown side '" + fields[2] + "'"};
      }
      mark.set_body_side(side);
    }
    if (fields.size() > 3) mark.set_description(fields[3]);
    if (fields.size() > 4) {
      for (const std::string& keyword : SplitAll(fields[4], ',')) {
        if (!keyword.empty()) mark.add_keywords(keyword);
      }
    }
  }
  return marks;
}

// The `effects` column: effects separated by ';', each CATEGORY|DESCRIPTION|COLOUR|BRAND|SIZE|
// KEYWORDS with ','-separated keywords, e.g. "clothing|camisa de futbol|azul|Chivas|M|Chivas".
// The `dna_samples` column: samples separated by ';'. On missing persons each is a family
// reference, DONOR|RELATIONSHIP|LAB|KIT|COLLECTED|STATUS; on remains a post-mortem sample,
// ELEMENT|LAB|KIT|COLLECTED|STATUS. Everything after the first two (one) fields is optional.
std::vector<v1::DnaSample> DnaSamplesFromRow(const CsvRow& row, bool reference) {
  std::vector<v1::DnaSample> samples;
  const std::string text = row.Get("dna_samples");
  if (text.empty()) return samples;
  const auto upper = [](std::string t) {
    for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return t;
  };
  for (const std::string& entry : SplitAll(text, ';')) {
    if (entry.empty()) continue;
    std::vector<std::string> fields = SplitAll(entry, '|');
    const size_t own = reference ? 2 : 1;  // donor and relationship, or the element
    if (fields.size() < own || fields.size() > own + 4) {
      throw ParseError{"dna_samples (" + entry + "): expected " +
                       (reference ? "DONOR|RELATIONSHIP|LAB|KIT|COLLECTED|STATUS"
                                  : "ELEMENT|LAB|KIT|COLLECTED|STATUS")};
    }
    fields.resize(own + 4);
    v1::DnaSample& sample = samples.emplace_back();
    if (reference) {
      sample.set_donor_name(fields[0]);
      v1::DnaSample::Relationship relationship;
      if (!v1::DnaSample::Relationship_Parse(upper(fields[1]), &relationship)) {
        throw ParseError{"dna_samples (" + entry + "): unknown relationship '" + fields[1] + "'"};
      }
      sample.set_relationship(relationship);
    } else {
      sample.set_skeletal_element(fields[0]);
    }
    sample.set_lab(fields[own]);
    sample.set_kit_id(fields[own + 1]);
    if (!fields[own + 2].empty()) {
      *sample.mutable_collected_date() = ParseDateOrThrow("dna_samples", fields[own + 2]);
    }
    if (!fields[own + 3].empty()) {
      v1::DnaSample::Status status;
      if (!v1::DnaSample::Status_Parse(upper(fields[own + 3]), &status)) {
        throw ParseError{"dna_samples (" + entry + "): unknown status '" + fields[own + 3] + "'"};
      }
      sample.set_status(status);
    }
  }
  return samples;
}

std::vector<v1::PersonalEffect> EffectsFromRow(const CsvRow& row) {
  std::vector<v1::PersonalEffect> effects;
  const std::string text = row.Get("effects");
  if (text.empty()) return effects;
  for (const std::string& entry : SplitAll(text, ';')) {
    if (entry.empty()) continue;
    const std::vector<std::string> fields = SplitAll(entry, '|');
    if (fields.size() > 6) {
      throw ParseError{"effects (" + entry +
                       "): expected CATEGORY|DESCRIPTION|COLOUR|BRAND|SIZE|KEYWORDS"};
    }
    v1::PersonalEffect& effect = effects.emplace_back();
    v1::PersonalEffect::Category category;
    if (!ParseEffectCategory(fields[0], &category)) {
      throw ParseError{"effects (" + entry + "): unknown category '" + fields[0] + "'"};
    }
    effect.set_category(category);
    if (fields.size() > 1) effect.set_description(fields[1]);
    if (fields.size() > 2) effect.set_colour(fields[2]);
    if (fields.size() > 3) effect.set_brand(fields[3]);
    if (fields.size() > 4) effect.set_size(fields[4]);
    if (fields.size() > 5) {
      for (const std::string& keyword : SplitAll(fields[5], ',')) {
        if (!keyword.empty()) effect.add_keywords(keyword);
      }
    }
  }
  return effects;
}

// The `dental` column in the notation of cli/dental_notation.h, with `dental_source` and
// `dental_source_date`; nullopt when the row has no chart.
std::optional<v1::UpdateDentalChartRequest> DentalFromRow(const CsvRow& row) {
  const std::string teeth = row.Get("dental");
  if (teeth.empty()) return std::nullopt;
  v1::UpdateDentalChartRequest request;
  v1::DentalChart* chart = request.mutable_dental_chart();
  if (absl::Status s = ParseDentalNotation(teeth, chart); !s.ok()) {
    throw ParseError{"dental: " + std::string(s.message())};
  }
  chart->set_source(ParseEnumOrThrow<v1::DentalChart::Source>(
      "dental_source", row.Get("dental_source"), v1::DentalChart::Source_Parse));
  if (const std::string v = row.Get("dental_source_date"); !v.empty()) {
    *chart->mutable_source_date() = ParseDateOrThrow("dental_source_date", v);
  }
  for (const char* path : {"teeth", "source", "source_date"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  return request;
}

void SetAssessment(const CsvRow& row, const std::string& prefix, v1::Assessment* a) {
  a->set_method(row.Get(prefix + "_method"));
  a->set_author(row.Get(prefix + "_author"));
}

v1::UnidentifiedRemains RemainsFromRow(const CsvRow& row) {
  v1::UnidentifiedRemains r;
  r.set_case_folio(row.Get("case_folio"));
  r.set_lab(row.Get("lab"));
  r.set_responsible_expert(row.Get("responsible_expert"));
  if (const std::string v = row.Get("found_date"); !v.empty()) {
    *r.mutable_found_date() = ParseDateOrThrow("found_date", v);
  }
  SetPlace(row, "found_", r.mutable_found_place());
  if (const std::string v = row.Get("pmi_min_days"); !v.empty()) {
    r.mutable_post_mortem_interval()->set_min_days(ParseNumberOrThrow("pmi_min_days", v));
    r.mutable_post_mortem_interval()->set_max_days(
        ParseNumberOrThrow("pmi_max_days", row.Get("pmi_max_days")));
  }
  auto* bio = r.mutable_biological_profile();
  if (const std::string v = row.Get("sex"); !v.empty()) {
    bio->mutable_sex()->set_sex(ParseSexOrThrow("sex", v));
    bio->mutable_sex()->set_probability(
        ParseNumberOrThrow("sex_probability", row.Get("sex_probability")));
    SetAssessment(row, "sex", bio->mutable_sex()->mutable_assessment());
    bio->mutable_sex()->set_method_kind(ParseEnumOrThrow<v1::BiologicalProfile::SexMethod>(
        "sex_method_kind", row.Get("sex_method_kind"), v1::BiologicalProfile::SexMethod_Parse));
    if (const std::string e = row.Get("sex_error_rate"); !e.empty()) {
      bio->mutable_sex()->set_error_rate(ParseNumberOrThrow("sex_error_rate", e));
    }
  }
  if (const std::string v = row.Get("age_min"); !v.empty()) {
    bio->mutable_age()->mutable_age_at_death()->set_min_years(ParseNumberOrThrow("age_min", v));
    bio->mutable_age()->mutable_age_at_death()->set_max_years(
        ParseNumberOrThrow("age_max", row.Get("age_max")));
    SetAssessment(row, "age", bio->mutable_age()->mutable_assessment());
  }
  if (const std::string v = row.Get("stature_min_cm"); !v.empty()) {
    bio->mutable_stature()->set_min_cm(ParseNumberOrThrow("stature_min_cm", v));
    bio->mutable_stature()->set_max_cm(
        ParseNumberOrThrow("stature_max_cm", row.Get("stature_max_cm")));
    SetAssessment(row, "stature", bio->mutable_stature()->mutable_assessment());
    if (const std::string c = row.Get("stature_cm"); !c.empty()) {
      bio->mutable_stature()->set_stature_cm(ParseNumberOrThrow("stature_cm", c));
    }
    if (const std::string se = row.Get("stature_se_cm"); !se.empty()) {
      bio->mutable_stature()->set_standard_error_cm(ParseNumberOrThrow("stature_se_cm", se));
    }
    bio->mutable_stature()->set_formula_id(row.Get("stature_formula_id"));
  }
  r.set_condition(ParseEnumOrThrow<v1::UnidentifiedRemains::Condition>(
      "condition", row.Get("condition"), v1::UnidentifiedRemains::Condition_Parse));
  r.set_notes(row.Get("notes"));
  if (const std::string v = row.Get("marks_examined"); !v.empty()) {
    if (v == "true" || v == "yes" || v == "1" || v == "si" || v == "sí") {
      r.set_marks_examined(true);
    } else if (v != "false" && v != "no" && v != "0") {
      throw ParseError{"marks_examined: must be true or false, not '" + v + "'"};
    }
  }
  return r;
}

// Imports are idempotent (every call carries a request id), so a rate limit, a busy server or one
// briefly unreachable is waited out rather than reported as a reject.
grpc::Status WithRetries(const std::function<grpc::Status()>& call) {
  return CallWithRetries(call, /*idempotent=*/true);
}

// The server's reasons, field by field when it sent a BadRequest.
std::string DescribeFailure(const grpc::Status& status) {
  google::rpc::Status details;
  std::string reasons;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::BadRequest bad;
      if (!any.UnpackTo(&bad)) continue;
      for (const auto& v : bad.field_violations()) {
        if (!reasons.empty()) reasons += "; ";
        reasons += "bad field " + v.field() + ": " + v.description();
      }
    }
  }
  return reasons.empty() ? status.error_message() : reasons;
}

// The resume file: which rows earlier runs imported completely, by their request ids (which name
// the row's content, not its line), for one database. Its first line names the database, so that
// a file made against another server is never believed.
constexpr char kStateHeader[] = "# encuentro import state v2; database ";

// The request ids done against `database_id`; empty, with a note on stderr, if the file belongs
// to another database or an older importer (then every row is sent again, which is safe: the
// server recognizes its own retries).
std::set<std::string> LoadDoneRequests(const std::string& path, const std::string& database_id) {
  std::set<std::string> done;
  std::ifstream in(path);
  if (!in) return done;
  std::string line;
  if (!std::getline(in, line)) return done;
  if (line != kStateHeader + database_id) {
    std::fprintf(stderr,
                 "encuentro: %s was written for another database or by an older importer; "
                 "every row is sent again (rows already stored are recognized)\n",
                 path.c_str());
    return done;
  }
  while (std::getline(in, line)) {
    if (const size_t tab = line.find('\t'); tab != std::string::npos) {
      done.insert(line.substr(0, tab));
    }
  }
  return done;
}

class Importer {
 public:
  Importer(ImportKind kind, const ImportFlags& flags, const ClientOptions& options)
      : kind_(kind), flags_(flags), options_(options) {}

  int Run() {
    std::ifstream in(flags_.csv, std::ios::binary);
    if (!in) return Usage("cannot read " + flags_.csv);
    CsvReader reader(in);
    absl::StatusOr<std::optional<std::vector<std::string>>> header = reader.Next();
    if (!header.ok() || !*header) return Usage(flags_.csv + ": no header row");
    header_ = **header;
    for (;;) {
      auto fields = reader.Next();
      if (!fields.ok()) return Usage(flags_.csv + ": " + std::string(fields.status().message()));
      if (!*fields) break;
      if ((*fields)->size() == 1 && (**fields)[0].empty()) continue;  // blank line
      rows_.emplace_back(&header_, **std::move(fields), reader.line());
    }
    channel_ = OpenChannel(options_);
    v1::ServerInfo info;
    const grpc::Status asked = v1::ServerService::NewStub(channel_)->GetServerInfo(
        NewContext(options_).get(), v1::GetServerInfoRequest(), &info);
    if (!asked.ok()) return ReportRpcError("GetServerInfo", asked);
    const std::string state =
        flags_.state_file.empty() ? flags_.csv + ".import-state" : flags_.state_file;
    const std::set<std::string> already = LoadDoneRequests(state, info.database_id());
    // Rewritten from what was loaded, so that a stale file is replaced rather than extended.
    state_.open(state, std::ios::trunc);
    if (!state_) return Usage("cannot write the resume state file " + state);
    state_ << kStateHeader << info.database_id() << '\n';
    for (const std::string& id : already) state_ << id << "\t\n";
    state_.flush();

    ProgressBar progress(static_cast<int>(rows_.size()), "rows", "photos", options_.json);
    std::atomic<size_t> next{0};
    std::atomic<int> done{0}, photos{0}, skipped{0};
    std::vector<std::thread> workers;
    const auto started = std::chrono::steady_clock::now();
    for (int w = 0; w < std::max(1, flags_.jobs); ++w) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < rows_.size(); i = next++) {
          if (already.count(RequestId(rows_[i])) != 0) {
            ++skipped;
          } else {
            RowResult result = ImportRow(rows_[i]);
            photos += result.photos;
            Record(rows_[i], result);
          }
          progress.Update(++done, photos.load());
        }
      });
    }
    for (auto& worker : workers) worker.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return Report(skipped.load(), photos.load(), seconds);
  }

 private:
  static int Usage(const std::string& message) {
    std::fprintf(stderr, "encuentro: %s\n", message.c_str());
    return 2;
  }

  // Names the row's record, stable across runs and edits of other columns, so that a rerun's
  // creates and uploads are recognized as retries. A folio alone is not enough: two people may
  // share one, so the names and date of birth (for remains, the found date and place) are part
  // of it. An edited row keeps its id, and the server refuses it (ALREADY_EXISTS) rather than
  // merging it into the record the first version made.
  std::string RequestId(const CsvRow& row) const {
    const std::string given = row.Get("request_id");
    std::string key = kind_ == ImportKind::kMissing ? "missing" : "remains";
    if (!given.empty()) {
      absl::StrAppend(&key, "|", given);
    } else if (kind_ == ImportKind::kMissing) {
      for (const char* column :
           {"case_folio", "issuing_authority", "given_names", "family_names", "date_of_birth"}) {
        absl::StrAppend(&key, "|", row.Get(column));
      }
    } else {
      for (const char* column : {"case_folio", "lab", "found_date", "found_place"}) {
        absl::StrAppend(&key, "|", row.Get(column));
      }
    }
    return "import-" + Sha256Hex(key).substr(0, 32);
  }

  RowResult ImportRow(const CsvRow& row) {
    RowResult result;
    const std::string folio = row.Get("case_folio");
    // protobuf refuses invalid UTF-8 in strings before the server can name the field, so the
    // importer names the column itself.
    for (const std::string& column : header_) {
      if (!IsValidUtf8(row.Get(column))) {
        result.rejects.push_back(
            {row.line(), IsValidUtf8(folio) ? folio : "?", "bad field " + column + ": not UTF-8"});
        return result;
      }
    }
    const std::string request_id = RequestId(row);
    result.request_id = request_id;
    grpc::Status status;
    std::vector<v1::DistinguishingMark> marks;
    std::vector<v1::PersonalEffect> effects;
    std::vector<v1::DnaSample> dna_samples;
    std::optional<v1::UpdateDentalChartRequest> dental;
    std::vector<std::string> duplicates;
    try {
      marks = MarksFromRow(row);
      effects = EffectsFromRow(row);
      dna_samples = DnaSamplesFromRow(row, kind_ == ImportKind::kMissing);
      dental = DentalFromRow(row);
      if (kind_ == ImportKind::kMissing) {
        v1::CreateMissingPersonRequest request;
        *request.mutable_missing_person() = MissingPersonFromRow(row);
        request.set_request_id(request_id);
        v1::MissingPerson created;
        auto stub = v1::MissingPersonService::NewStub(channel_);
        status = WithRetries([&] {
          return stub->CreateMissingPerson(NewContext(options_).get(), request, &created);
        });
        result.name = created.name();
        duplicates = {created.possible_duplicates().begin(), created.possible_duplicates().end()};
      } else {
        v1::CreateRemainsRequest request;
        *request.mutable_remains() = RemainsFromRow(row);
        request.set_request_id(request_id);
        v1::UnidentifiedRemains created;
        auto stub = v1::RemainsService::NewStub(channel_);
        status = WithRetries(
            [&] { return stub->CreateRemains(NewContext(options_).get(), request, &created); });
        result.name = created.name();
        duplicates = {created.possible_duplicates().begin(), created.possible_duplicates().end()};
      }
    } catch (const ParseError& e) {
      result.rejects.push_back({row.line(), folio, "bad field " + e.message});
      return result;
    }
    if (!status.ok()) {
      result.rejects.push_back({row.line(), folio, DescribeFailure(status)});
      return result;
    }
    if (!duplicates.empty()) {
      result.warnings.push_back(
          {row.line(), folio,
           absl::StrCat("possible duplicate: ", result.name, " has the same folio as ",
                        absl::StrJoin(duplicates, ", "))});
    }
    auto mark_stub = v1::MarkService::NewStub(channel_);
    bool all_marks = true;
    for (size_t i = 0; i < marks.size(); ++i) {
      v1::CreateMarkRequest request;
      request.set_parent(result.name);
      *request.mutable_mark() = marks[i];
      // Scoped to the record by the server: the mark's place in the column names it.
      request.set_request_id(request_id + "-mark-" + std::to_string(i + 1));
      v1::DistinguishingMark created;
      status = WithRetries(
          [&] { return mark_stub->CreateMark(NewContext(options_).get(), request, &created); });
      if (!status.ok()) {
        all_marks = false;
        result.rejects.push_back(
            {row.line(), folio, "mark " + std::to_string(i + 1) + ": " + DescribeFailure(status)});
      }
    }
    auto dna_stub = v1::DnaSampleService::NewStub(channel_);
    for (size_t i = 0; i < dna_samples.size(); ++i) {
      v1::CreateDnaSampleRequest request;
      request.set_parent(result.name);
      *request.mutable_dna_sample() = dna_samples[i];
      request.set_request_id(request_id + "-dna-" + std::to_string(i + 1));
      v1::DnaSample created;
      status = WithRetries(
          [&] { return dna_stub->CreateDnaSample(NewContext(options_).get(), request, &created); });
      if (!status.ok()) {
        all_marks = false;
        result.rejects.push_back(
            {row.line(), folio,
             "DNA sample " + std::to_string(i + 1) + ": " + DescribeFailure(status)});
      }
    }
    auto effect_stub = v1::EffectService::NewStub(channel_);
    for (size_t i = 0; i < effects.size(); ++i) {
      v1::CreateEffectRequest request;
      request.set_parent(result.name);
      *request.mutable_effect() = effects[i];
      request.set_request_id(request_id + "-effect-" + std::to_string(i + 1));
      v1::PersonalEffect created;
      status = WithRetries(
          [&] { return effect_stub->CreateEffect(NewContext(options_).get(), request, &created); });
      if (!status.ok()) {
        all_marks = false;
        result.rejects.push_back(
            {row.line(), folio,
             "effect " + std::to_string(i + 1) + ": " + DescribeFailure(status)});
      }
    }
    if (dental) {
      dental->mutable_dental_chart()->set_name(result.name + "/dentalChart");
      v1::DentalChart written;
      auto dental_stub = v1::DentalService::NewStub(channel_);
      // Writing the same chart again on a rerun changes nothing but its revision.
      status = WithRetries([&] {
        return dental_stub->UpdateDentalChart(NewContext(options_).get(), *dental, &written);
      });
      if (!status.ok()) {
        all_marks = false;
        result.rejects.push_back({row.line(), folio, "dental chart: " + DescribeFailure(status)});
      }
    }
    auto photo_stub = v1::PhotoService::NewStub(channel_);
    const std::string photos = row.Get("photos");
    bool all_photos = all_marks;
    for (size_t start = 0; !photos.empty() && start <= photos.size();) {
      const size_t end = std::min(photos.find(';', start), photos.size());
      std::string entry = photos.substr(start, end - start);
      start = end + 1;
      if (entry.empty()) continue;
      // file.jpg[#FACE][@YYYY-MM-DD]: FACE is a face index or a box x,y,w,h.
      std::string capture_date;
      if (const size_t at = entry.find('@'); at != std::string::npos) {
        capture_date = entry.substr(at + 1);
        entry = entry.substr(0, at);
      }
      std::string face;
      if (const size_t hash = entry.find('#'); hash != std::string::npos) {
        face = entry.substr(hash + 1);
        entry = entry.substr(0, hash);
      }
      absl::StatusOr<std::string> read =
          ReadPhotoInside(flags_.photos_dir, entry, flags_.max_photo_bytes);
      if (!read.ok()) {
        result.rejects.push_back({row.line(), folio, std::string(read.status().message())});
        all_photos = false;
        continue;
      }
      const std::string& bytes = *read;
      v1::AddPhotoRequest::Metadata metadata;
      metadata.set_parent(result.name);
      metadata.set_request_id(request_id + ":" + entry);
      metadata.mutable_photo()->set_source(kind_ == ImportKind::kMissing ? v1::Photo::FAMILY
                                                                         : v1::Photo::POST_MORTEM);
      try {
        if (!capture_date.empty()) {
          *metadata.mutable_photo()->mutable_capture_date() =
              ParseDateOrThrow("photos (" + entry + ")", capture_date);
        }
        if (!face.empty()) SetFaceSelection(entry, face, &metadata);
      } catch (const ParseError& e) {
        result.rejects.push_back({row.line(), folio, "bad field " + e.message});
        all_photos = false;
        continue;
      }
      v1::Photo stored;
      grpc::Status uploaded = WithRetries([&] {
        return UploadPhoto(
            *photo_stub,
            NewContext(options_, UploadTimeout(options_.timeout_seconds, bytes.size(), flags_.jobs))
                .get(),
            metadata, bytes, &stored);
      });
      if (!uploaded.ok()) {
        result.rejects.push_back({row.line(), folio, entry + ": " + DescribeFailure(uploaded)});
        all_photos = false;
        continue;
      }
      ++result.photos;
      if (!stored.has_template()) {
        result.warnings.push_back(
            {row.line(), folio, "no face: " + entry + " kept without template"});
      } else if (stored.faces_size() > 1 && face.empty()) {
        // The largest face was taken; in a group photo that may be someone else.
        result.warnings.push_back(
            {row.line(), folio,
             absl::StrCat(stored.faces_size(), " faces in ", entry, ": used face ",
                          stored.chosen_face(), "; write ", entry,
                          "#INDEX or #x,y,w,h to choose (encuentro photos get shows the faces)")});
      }
    }
    result.done = all_photos;
    return result;
  }

  void Record(const CsvRow& row, RowResult& result) {
    std::lock_guard lock(mu_);
    if (result.done) {
      state_ << result.request_id << '\t' << result.name << '\n';
      state_.flush();
      ++imported_;
    }
    for (auto& r : result.rejects) rejects_.push_back(std::move(r));
    for (auto& w : result.warnings) warnings_.push_back(std::move(w));
  }

  int Report(int skipped, int photos, double seconds) {
    std::sort(rejects_.begin(), rejects_.end(), [](auto& a, auto& b) { return a.line < b.line; });
    std::sort(warnings_.begin(), warnings_.end(), [](auto& a, auto& b) { return a.line < b.line; });
    if (options_.json) {
      nlohmann::json out = {{"rows", rows_.size()},
                            {"imported", imported_},
                            {"skipped", skipped},
                            {"photos", photos},
                            {"seconds", seconds},
                            {"rejects", nlohmann::json::array()},
                            {"warnings", nlohmann::json::array()}};
      for (const auto& r : rejects_) {
        out["rejects"].push_back({{"line", r.line}, {"case_folio", r.folio}, {"reason", r.reason}});
      }
      for (const auto& w : warnings_) {
        out["warnings"].push_back(
            {{"line", w.line}, {"case_folio", w.folio}, {"reason", w.reason}});
      }
      std::printf("%s\n", out.dump().c_str());
    } else {
      std::printf(
          "%zu rows: %d imported, %d already imported, %zu with problems; %d photos in "
          "%.1f s (%.2f photos/s)\n",
          rows_.size(), imported_, skipped, rejects_.size(), photos, seconds,
          seconds > 0 ? photos / seconds : 0.0);
      for (const auto& r : rejects_) {
        std::printf("  reject line %d (%s): %s\n", r.line, r.folio.c_str(), r.reason.c_str());
      }
      for (const auto& w : warnings_) {
        std::printf("  warning line %d (%s): %s\n", w.line, w.folio.c_str(), w.reason.c_str());
      }
      if (!rejects_.empty()) std::printf("Fix the rows above and run the same command again.\n");
    }
    return rejects_.empty() ? 0 : 1;
  }

  const ImportKind kind_;
  const ImportFlags flags_;
  const ClientOptions& options_;
  std::vector<std::string> header_;
  std::vector<CsvRow> rows_;
  std::shared_ptr<grpc::Channel> channel_;
  std::mutex mu_;
  std::ofstream state_;           // guarded by mu_
  int imported_ = 0;              // guarded by mu_
  std::vector<Reject> rejects_;   // guarded by mu_
  std::vector<Reject> warnings_;  // guarded by mu_
};

}  // namespace

void AddImportCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  CLI::App* group = app.add_subcommand("import", "Bulk-import records and photos from CSV");
  group->require_subcommand(1);
  for (auto [name, kind, help] :
       {std::tuple{"missing", ImportKind::kMissing, "Import missing persons"},
        std::tuple{"remains", ImportKind::kRemains, "Import unidentified remains"}}) {
    auto flags = std::make_shared<ImportFlags>();
    CLI::App* command = group->add_subcommand(name, help);
    command->add_option("csv", flags->csv, "CSV file (columns: see the README)")->required();
    command
        ->add_option("--max-photo-bytes", flags->max_photo_bytes,
                     "Largest photo file read (checked before reading)")
        ->capture_default_str();
    command->add_option("--photos", flags->photos_dir, "Folder the photos column is relative to")
        ->capture_default_str();
    command->add_option("--jobs", flags->jobs, "Rows imported in parallel")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    command->add_option("--state", flags->state_file,
                        "Resume file (default CSV.import-state): rows listed there are skipped");
    command->callback([=, &options] {
      Importer importer(kind, *flags, options);
      *exit_code = importer.Run();
    });
  }
}

}  // namespace encuentro::cli
