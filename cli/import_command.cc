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
#include "cli/import_rows.h"
#include "cli/mark_commands.h"
#include "cli/output.h"
#include "cli/photo_upload.h"
#include "common/csv.h"
#include "common/progress.h"
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

    common::ProgressBar progress(static_cast<int>(rows_.size()), "rows", "photos", options_.json);
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
            Record(result);
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

  void Record(RowResult& result) {
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
    const ImportKind chosen = kind;  // clang 14 cannot capture a structured binding
    command->callback([=, &options] {
      Importer importer(chosen, *flags, options);
      *exit_code = importer.Run();
    });
  }
}

}  // namespace encuentro::cli
