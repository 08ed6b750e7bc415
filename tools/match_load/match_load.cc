// End-to-end load on MatchService.SearchCandidates.
//
//   encuentro_match_load populate --data-dir DIR [--persons 50000] [--templates-per-person 2]
//                                 [--remains 500]
//     Makes a synthetic gallery in DIR's embedded PostgreSQL through the storage layer (the same
//     transactions enrolment uses): random unit descriptors, and remains whose post-mortem
//     template is a noisy copy of one person's (a planted true match), and a commission staff
//     token in DIR/load.token.
//   encuentro_match_load search --server ADDR --token TOKEN [--concurrency 8] [--seconds 30]
//                               [--remains 500]
//     Runs concurrent SearchCandidates calls on the planted remains and prints latency
//     percentiles, requests per second, and how often the first candidate's face evidence was a
//     MATCH (the planted person; impostors on random descriptors are far apart).
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "auth/principals.h"
#include "biometrics/model_files.h"
#include "common/synthetic_descriptors.h"
#include "encuentro/v1/matching.grpc.pb.h"
#include "storage/case_record_store.h"
#include "storage/database.h"
#include "storage/embedded_cluster.h"
#include "storage/mark_store.h"
#include "storage/migrations.h"
#include "storage/photo_store.h"

namespace {

using namespace encuentro;
using Clock = std::chrono::steady_clock;
using records::Date;

Date DateOf(int y, int m, int d) {
  return Date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
              std::chrono::day(static_cast<unsigned>(d))};
}

records::Photo SyntheticPhoto(records::RecordKind kind, int64_t owner,
                              const FaceDescriptor& descriptor, const std::string& bytes,
                              const std::optional<SecondFaceEmbedding>& second) {
  records::Photo photo;
  photo.owner_kind = kind;
  photo.owner_id = owner;
  photo.organization = "load-test";
  photo.sha256 = absl::StrCat("synthetic-", bytes);
  photo.content_type = "image/jpeg";
  photo.width = photo.height = 150;
  photo.source = records::PhotoSource::kFamily;
  photo.faces.push_back({0, 0, 150, 150, {}, records::QualityVerdict::kPass});
  photo.chosen_face = 0;
  photo.descriptor = descriptor;
  photo.model_id = "synthetic";
  if (second) {
    photo.second_embedding = *second;
    // The loaded model's id, which encuentrod requires of every stored embedding.
    photo.second_model_id = biometrics::kMobileFaceModelId;
  }
  return photo;
}

// A third of the people get a tattoo (as in Mexico's registries), on one of four regions with one
// of twenty motifs; the remains planted on a person with one carry it too.
records::DistinguishingMark SyntheticTattoo(records::RecordKind kind, int64_t owner, int n) {
  static constexpr records::BodyRegion kRegions[] = {
      records::BodyRegion::kForearm, records::BodyRegion::kArm, records::BodyRegion::kChest,
      records::BodyRegion::kBack};
  records::DistinguishingMark m;
  m.owner_kind = kind;
  m.owner_id = owner;
  m.kind = records::MarkKind::kTattoo;
  m.region = kRegions[n % 4];
  m.side = n % 2 ? records::BodySide::kLeft : records::BodySide::kRight;
  m.description = absl::StrCat("tatuaje ", n % 20);
  m.keywords = {absl::StrCat("motivo", n % 20)};
  return m;
}

int Populate(const std::filesystem::path& data_dir, int persons, int per_person, int remains,
             bool with_marks, bool second_model) {
  auto cluster = storage::EmbeddedCluster::Start({.data_dir = data_dir});
  if (!cluster.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cluster.status().message()).c_str());
    return 1;
  }
  auto migrated = storage::ApplyMigrations((*cluster)->SuperuserConnectionString(),
                                           storage::BundledMigrations());
  if (!migrated.ok()) return 1;
  auto database = storage::Database::Open(
      {.connection_string = (*cluster)->ConnectionString("encuentro_app"), .pool_size = 4});
  if (!database.ok()) return 1;
  storage::CaseRecordStore records(database->get());
  storage::PhotoStore photos(database->get());
  storage::MarkStore marks(database->get());
  const auto admit = [](const storage::OwningRecord&) { return absl::OkStatus(); };
  audit::AuditEvent event;
  event.principal.user = "match-load";
  event.principal.organization = "load-test";
  event.principal.role = auth::Role::kAdmin;
  event.method = "populate";

  // Persons are made by 4 threads; person i's first descriptor is kept for planting remains.
  std::vector<FaceDescriptor> first(static_cast<size_t>(persons));
  std::vector<SecondFaceEmbedding> first_second(second_model ? static_cast<size_t>(persons) : 0);
  // A second photo of the same face, as the second model sees it (farther apart on its scale).
  const auto second_of = [&](size_t person, bool fresh,
                             std::mt19937_64& rng) -> std::optional<SecondFaceEmbedding> {
    if (!second_model) return std::nullopt;
    if (fresh) first_second[person] = RandomUnitDescriptor<SecondFaceEmbedding>(rng);
    return fresh ? first_second[person] : NearDescriptor(first_second[person], 0.6f, rng);
  };
  std::vector<int64_t> ids(static_cast<size_t>(persons));
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::atomic<bool> failed{false};
  const auto started = Clock::now();
  auto worker = [&](int seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    for (int i = next++; i < persons && !failed; i = next++) {
      records::MissingPerson p;
      p.meta.organization = "load-test";
      p.case_folio = absl::StrCat("LOAD-", i);
      p.issuing_authority = "FGE";
      p.given_names = absl::StrCat("Persona ", i);
      p.sex = i % 2 ? records::Sex::kMale : records::Sex::kFemale;
      p.date_of_birth = DateOf(1950 + i % 50, 1 + i % 12, 1 + i % 28);
      p.last_seen_date = DateOf(2010 + i % 14, 1 + i % 12, 1 + i % 28);
      auto created = records.InsertMissingPerson(p, {}, event);
      if (!created.ok()) {
        std::fprintf(stderr, "person %d: %s\n", i, std::string(created.status().message()).c_str());
        failed = true;
        return;
      }
      ids[static_cast<size_t>(i)] = created->meta.id;
      if (with_marks && i % 3 == 0 &&
          !marks
               .InsertMark(
                   SyntheticTattoo(records::RecordKind::kMissingPerson, created->meta.id, i), {},
                   admit, event)
               .ok()) {
        failed = true;
        return;
      }
      for (int t = 0; t < per_person; ++t) {
        const FaceDescriptor d = t == 0 ? RandomUnitDescriptor(rng)
                                        : NearDescriptor(first[static_cast<size_t>(i)], 0.35f, rng);
        if (t == 0) first[static_cast<size_t>(i)] = d;
        auto photo = photos.InsertPhoto(
            SyntheticPhoto(records::RecordKind::kMissingPerson, created->meta.id, d,
                           absl::StrCat(i, "-", t), second_of(static_cast<size_t>(i), t == 0, rng)),
            absl::StrCat("p", i, "-", t), {}, event);
        if (!photo.ok()) {
          std::fprintf(stderr, "photo: %s\n", std::string(photo.status().message()).c_str());
          failed = true;
          return;
        }
      }
      const int finished = ++done;
      if (finished % std::max(1, persons / 20) == 0) {
        std::fprintf(stderr, "\r%d/%d persons", finished, persons);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker, t + 1);
  for (auto& t : threads) t.join();
  if (failed) return 1;
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("\npopulated %d persons with %d templates in %.1f s (%.0f templates/s)\n", persons,
              persons * per_person, seconds, persons * per_person / seconds);

  std::mt19937_64 rng(99);
  for (int r = 0; r < remains; ++r) {
    const int person = static_cast<int>(rng() % static_cast<uint64_t>(persons));
    records::UnidentifiedRemains u;
    u.meta.organization = "load-test";
    u.case_folio = absl::StrCat("PM-LOAD-", r);
    u.lab = "SEMEFO";
    u.found_date = DateOf(2024, 6, 1);
    u.condition = records::RemainsCondition::kDecomposed;
    u.marks_examined = with_marks;
    auto created = records.InsertRemains(u, {}, event);
    if (!created.ok()) return 1;
    if (with_marks && person % 3 == 0 &&
        !marks
             .InsertMark(SyntheticTattoo(records::RecordKind::kRemains, created->meta.id, person),
                         {}, admit, event)
             .ok()) {
      return 1;
    }
    auto photo = photos.InsertPhoto(
        SyntheticPhoto(records::RecordKind::kRemains, created->meta.id,
                       NearDescriptor(first[static_cast<size_t>(person)], 0.35f, rng),
                       absl::StrCat("r", r), second_of(static_cast<size_t>(person), false, rng)),
        absl::StrCat("r", r), {}, event);
    if (!photo.ok()) return 1;
    std::printf("planted remains/%lld -> missingPersons/%lld\n",
                static_cast<long long>(created->meta.id),
                static_cast<long long>(ids[static_cast<size_t>(person)]));
  }
  // A commission staff token for the searches, kept beside the data.
  storage::PrincipalStore principal_store(database->get());
  auth::Principals principals(&principal_store);
  const auth::Principal setup{"match-load", "operator", auth::Role::kAdmin};
  if (!principals.CreateOrganization(setup, "load-test", auth::OrganizationKind::kSearchCommission)
           .ok() ||
      !principals.CreateUser(setup, "load", "load-test", auth::Role::kCommissionStaff, "").ok()) {
    return 1;
  }
  absl::StatusOr<auth::IssuedToken> token =
      principals.IssueToken(setup, "load", std::chrono::seconds(0), "load test");
  if (!token.ok()) return 1;
  std::ofstream(data_dir / "load.token") << token->token << "\n";
  database->reset();
  return (*cluster)->Stop().ok() ? 0 : 1;
}

double Percentile(std::vector<double>& sorted, double p) {
  return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))];
}

// What a load run measured: every successful request's latency (sorted), and the failures.
struct LoadRun {
  std::vector<double> latencies_ms;
  int errors = 0;
};

// One client's requests: each call makes one request with the client's own generator and says
// whether it succeeded (printing the first failure's reason is the runner's job).
using ClientRequest = std::function<bool(std::mt19937_64& rng, std::string* error)>;

// Runs `concurrency` clients for `seconds`, client k (1-based) making requests with
// make_client(k); nullopt (with a message) when no request succeeded.
std::optional<LoadRun> RunLoad(int concurrency, int seconds,
                               const std::function<ClientRequest(int client)>& make_client) {
  std::mutex mu;
  LoadRun run;
  std::atomic<int> errors{0};
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  auto client = [&](int seed) {
    const ClientRequest request = make_client(seed);
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    std::vector<double> mine;
    std::string error;
    while (Clock::now() < deadline) {
      const auto start = Clock::now();
      const bool ok = request(rng, &error);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!ok) {
        if (errors++ == 0) std::fprintf(stderr, "error: %s\n", error.c_str());
        continue;
      }
      mine.push_back(ms);
    }
    std::lock_guard lock(mu);
    run.latencies_ms.insert(run.latencies_ms.end(), mine.begin(), mine.end());
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) threads.emplace_back(client, t + 1);
  for (auto& t : threads) t.join();
  run.errors = errors.load();
  if (run.latencies_ms.empty()) {
    std::fprintf(stderr, "no successful requests (%d errors)\n", run.errors);
    return std::nullopt;
  }
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  return run;
}

// "N requests, R requests/s, p50 …, p90 …, p99 …, max …, E errors"
std::string Summary(LoadRun& run, int seconds) {
  return absl::StrFormat(
      "%zu requests, %.1f requests/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, %d "
      "errors",
      run.latencies_ms.size(), static_cast<double>(run.latencies_ms.size()) / seconds,
      Percentile(run.latencies_ms, 0.5), Percentile(run.latencies_ms, 0.9),
      Percentile(run.latencies_ms, 0.99), run.latencies_ms.back(), run.errors);
}

int Search(const std::string& server, const std::string& token, int concurrency, int seconds,
           int remains) {
  // Several servers (replicas): client k calls server k mod n.
  std::vector<std::unique_ptr<v1::MatchService::Stub>> stubs;
  for (absl::string_view address : absl::StrSplit(server, ',')) {
    stubs.push_back(v1::MatchService::NewStub(
        grpc::CreateChannel(std::string(address), grpc::InsecureChannelCredentials())));
  }
  std::atomic<int> face_first{0};
  std::optional<LoadRun> run = RunLoad(concurrency, seconds, [&](int client) -> ClientRequest {
    v1::MatchService::Stub* stub = stubs[static_cast<size_t>(client - 1) % stubs.size()].get();
    return [&, stub](std::mt19937_64& rng, std::string* error) {
      v1::SearchCandidatesRequest request;
      request.set_remains(absl::StrCat("remains/", 1 + rng() % static_cast<uint64_t>(remains)));
      request.set_top_n(20);
      request.set_purpose("identification");
      request.set_legal_basis("LOAD-TEST");
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token);
      v1::SearchCandidatesResponse response;
      grpc::Status status = stub->SearchCandidates(&context, request, &response);
      if (!status.ok()) {
        *error = status.error_message();
        return false;
      }
      if (response.candidates_size() > 0 && response.candidates(0).factors_size() > 0 &&
          response.candidates(0).factors(0).light() == v1::EvidenceFactor::MATCH) {
        ++face_first;
      }
      return true;
    };
  });
  if (!run) return 1;
  std::printf(
      "SearchCandidates, %zu server(s), %d concurrent clients, %d s: %s; first candidate a face "
      "MATCH in %.1f%%\n",
      stubs.size(), concurrency, seconds, Summary(*run, seconds).c_str(),
      100.0 * face_first.load() / static_cast<double>(run->latencies_ms.size()));
  return run->errors == 0 ? 0 : 1;
}

// The web console's candidate list: POST /api/v1/remains/N/candidates:search through the JSON
// gateway, as the remains page asks for it, with a session opened by the token.
int SearchConsole(const std::string& console, const std::string& token, int concurrency,
                  int seconds, int remains, int top_n) {
  httplib::Client login(console);
  httplib::Result opened =
      login.Post("/api/v1/sessions", {{"Origin", console}},
                 nlohmann::json({{"token", token}}).dump(), "application/json");
  if (!opened || opened->status != 200) {
    std::fprintf(stderr, "cannot log in to %s: %s\n", console.c_str(),
                 opened ? opened->body.c_str() : httplib::to_string(opened.error()).c_str());
    return 1;
  }
  const std::string cookie = opened->get_header_value("Set-Cookie");
  const httplib::Headers headers = {
      {"Cookie", cookie.substr(0, cookie.find(';'))},
      {"X-CSRF-Token", nlohmann::json::parse(opened->body)["csrfToken"].get<std::string>()},
      {"Origin", console}};
  const std::string body =
      nlohmann::json({{"topN", top_n}, {"purpose", "identification"}, {"legalBasis", "LOAD-TEST"}})
          .dump();
  std::atomic<int64_t> bytes{0};
  std::optional<LoadRun> run = RunLoad(concurrency, seconds, [&](int) -> ClientRequest {
    auto http = std::make_shared<httplib::Client>(console);
    http->set_keep_alive(true);
    return [&, http](std::mt19937_64& rng, std::string* error) {
      const std::string path = absl::StrCat(
          "/api/v1/remains/", 1 + rng() % static_cast<uint64_t>(remains), "/candidates:search");
      httplib::Result answer = http->Post(path, headers, body, "application/json");
      if (!answer || answer->status != 200) {
        *error = answer ? answer->body : httplib::to_string(answer.error());
        return false;
      }
      bytes += static_cast<int64_t>(answer->body.size());
      return true;
    };
  });
  if (!run) return 1;
  std::printf(
      "web console candidates:search, top %d, %d concurrent clients, %d s: %s; %.0f KiB "
      "per answer\n",
      top_n, concurrency, seconds, Summary(*run, seconds).c_str(),
      static_cast<double>(bytes.load()) / static_cast<double>(run->latencies_ms.size()) / 1024);
  return run->errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("End-to-end load on MatchService.SearchCandidates");
  app.require_subcommand(1);
  std::string data_dir;
  std::string server;
  int persons = 50'000;
  int per_person = 2;
  int remains = 500;
  int concurrency = 8;
  int seconds = 30;
  CLI::App* populate = app.add_subcommand("populate", "Fill DIR's database with a gallery");
  populate->add_option("--data-dir", data_dir, "encuentrod data directory")->required();
  populate->add_option("--persons", persons)->check(CLI::Range(1, 10'000'000));
  populate->add_option("--templates-per-person", per_person)->check(CLI::Range(1, 100));
  populate->add_option("--remains", remains)->check(CLI::Range(1, 100'000));
  bool with_marks = false;
  bool second_model = false;
  populate->add_flag("--with-marks", with_marks,
                     "A third of the people (and their planted remains) with a tattoo");
  populate->add_flag("--second-model", second_model,
                     "Templates carry a synthetic second-model embedding too, so that searches "
                     "score both face models fused");
  CLI::App* search = app.add_subcommand("search", "Load a running encuentrod");
  std::string token;
  std::string console;
  int top_n = 50;
  search->add_option("--server", server, "encuentrod address, or several as A,B,C");
  search->add_option("--console", console,
                     "Load the web console's JSON API at this URL (encuentrod --http-listen) "
                     "instead of gRPC");
  search->add_option("--top-n", top_n, "Candidates asked for, with --console")
      ->check(CLI::Range(1, 500));
  search->add_option("--token", token, "API token (populate leaves one in DIR/load.token)")
      ->required();
  search->add_option("--concurrency", concurrency)->check(CLI::Range(1, 256));
  search->add_option("--seconds", seconds)->check(CLI::Range(1, 3600));
  search->add_option("--remains", remains, "Remains ids 1..N to search")
      ->check(CLI::Range(1, 100'000));
  CLI11_PARSE(app, argc, argv);
  if (populate->parsed()) {
    return Populate(data_dir, persons, per_person, remains, with_marks, second_model);
  }
  if (!console.empty()) return SearchConsole(console, token, concurrency, seconds, remains, top_n);
  if (server.empty()) {
    std::fprintf(stderr, "search: give --server or --console\n");
    return 2;
  }
  return Search(server, token, concurrency, seconds, remains);
}
